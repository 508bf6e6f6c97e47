package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"chuangdai/internal/application"
	"chuangdai/internal/apptest"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/store"
)

// BenchmarkApplicationRead reads an application with two history entries
// as its applicant does (GET /api/v1/applications/{id}): through pgx on
// PostgreSQL, through gorm on SQLite, one read at a time, with the CPU
// this process and the database's backends spend on it.
func BenchmarkApplicationRead(b *testing.B) {
	a, _ := fixtureApp(b)
	ctx := context.Background()
	apps := store.Applications{DB: a.DB}
	now := time.Date(2024, 3, 5, 8, 30, 15, 123456000, time.UTC)
	submitted := now.Add(time.Hour)
	anna := auth.UserID(1)
	id, err := apps.Create(ctx, application.Application{Number: "SQ411282-2024-000001", Status: application.EligibilityReview, Version: 2,
		ApplicantID: anna, CreatedAt: now, UpdatedAt: submitted, SubmittedAt: &submitted, StageEnteredAt: &submitted,
		Fields: application.Fields{BorrowerType: application.Individual, Name: "张伟", NationalID: "11010519491231002X", Phone: "13800138000",
			KeyGroup: "college_graduate", DistrictCode: "411282", BankCode: "ICBC-SMX", Amount: decimal.NewFromInt(200000), TermMonths: 24,
			BusinessName: "灵宝苹果合作社", Industry: "agriculture", Purpose: "冷库", JobsPlanned: 3, BirthDate: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC)},
		History: []application.HistoryEntry{
			{At: now, ActorID: &anna, Actor: "anna", Action: application.ActCreate, ToStatus: application.Draft},
			{At: submitted, ActorID: &anna, Actor: "anna", Action: application.ActSubmit, FromStatus: application.Draft, ToStatus: application.EligibilityReview},
		}})
	if err != nil {
		b.Fatal(err)
	}
	scope := authz.ListScope{Owners: []auth.UserID{anna}}
	for range 100 {
		if _, err := apps.Get(ctx, scope, id); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	cpu := apptest.StartCPU(a.DB.SQL())
	for b.Loop() {
		if _, err := apps.Get(ctx, scope, id); err != nil {
			b.Fatal(err)
		}
	}
	cpu.Report(b)
}
