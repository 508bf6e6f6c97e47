package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/audit"
	"chuangdai/internal/authz"
	"chuangdai/internal/store"
	"chuangdai/internal/support"
)

// The four in one's records of a person: training, incubation and services
// are written sealed and read back in clear as written, newest first, found by the
// number whatever the case of its X; the person's applications with their
// loan and the loans imported for them come with them, a cancelled loan
// not; bulk inserts skip what is already there and count what they wrote;
// the year's figures by district and by base, computed by hand.
func TestSupportRecordsAndFigures(t *testing.T) {
	db := newDB(t)
	scopeFixture(t, db)
	exec := sqlExec(t, db)
	ctx := context.Background()
	s := store.Support{DB: db}
	const p, q = "11010519491231002X", "411282199001010013"
	at := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)

	older := support.Training{NationalID: strings.ToLower(p), Name: "张伟", Course: "SYB", Institution: "职校", StartDate: day(t, "2023-05-01"), EndDate: day(t, "2023-05-20"), CertificateNo: "C-1", DistrictCode: "411282", CreatedBy: 1, CreatedAt: at}
	newer := older
	newer.Course, newer.StartDate, newer.EndDate, newer.CertificateNo = "IYB", day(t, "2024-01-02"), day(t, "2024-01-20"), "C-2"
	for _, tr := range []*support.Training{&older, &newer} {
		if err := s.CreateTraining(ctx, tr); err != nil || tr.ID == 0 {
			t.Fatalf("CreateTraining: %v, id %d", err, tr.ID)
		}
	}
	var batch []support.Training
	for i := range 20 {
		x := older
		x.NationalID, x.CertificateNo = q, "B-"+string(rune('a'+i))
		batch = append(batch, x)
	}
	if n, err := s.InsertTraining(ctx, batch); err != nil || n != 20 {
		t.Fatalf("InsertTraining of 20 (more than one statement on SQLite): %d, %v", n, err)
	}

	base := support.Base{Name: "灵宝创业园", DistrictCode: "411282", Level: "provincial", CreatedAt: at}
	other := support.Base{Name: "义马孵化器", DistrictCode: "411281", Level: "municipal", CreatedAt: at}
	for _, b := range []*support.Base{&base, &other} {
		if err := s.CreateBase(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateBase(ctx, &support.Base{Name: "灵宝创业园", DistrictCode: "411282", Level: "municipal", CreatedAt: at}); apperr.CodeOf(err) != "conflict" {
		t.Errorf("a second base of the same name in the district: %v, want conflict", err)
	}
	bases, err := s.Bases(ctx)
	if err != nil || len(bases) != 2 || bases[0].ID != other.ID || bases[1].ID != base.ID {
		t.Errorf("Bases (by district, then name): %+v, %v", bases, err)
	}
	if b, err := s.Base(ctx, base.ID); err != nil || b.Name != base.Name || b.Level != "provincial" {
		t.Errorf("Base: %+v, %v", b, err)
	}
	if _, err := s.Base(ctx, other.ID+100); apperr.CodeOf(err) != "not_found" {
		t.Errorf("Base of no base: %v, want not_found", err)
	}

	stay := support.Tenancy{BaseID: base.ID, NationalID: p, EntityName: "张伟小店", MoveIn: day(t, "2023-03-01"), CreatedBy: 1, CreatedAt: at, UpdatedAt: at}
	if err := s.CreateTenancy(ctx, &stay); err != nil {
		t.Fatal(err)
	}
	again := stay
	again.ID = 0
	later := stay
	later.ID, later.BaseID, later.MoveIn = 0, other.ID, day(t, "2024-02-01")
	if n, err := s.InsertTenancies(ctx, []support.Tenancy{again, later}); err != nil || n != 1 {
		t.Errorf("InsertTenancies of one already there and one new: %d, %v; want 1 inserted", n, err)
	}
	moved, err := s.UpdateTenancy(ctx, authz.ListScope{All: true}, stay.ID, func(_ context.Context, tn *support.Tenancy) (audit.Event, error) {
		out := day(t, "2024-01-31")
		tn.MoveOut, tn.UpdatedAt = &out, at.Add(time.Hour)
		return audit.Event{Actor: "user1", Action: "incubation.move_out"}, nil
	})
	if err != nil || moved.MoveOut == nil || !moved.MoveOut.Equal(day(t, "2024-01-31")) || moved.BaseName != base.Name || moved.CreatorHandle != "user1" {
		t.Errorf("UpdateTenancy: %+v, %v", moved, err)
	}
	if evs, _, err := (store.Audit{DB: db}).List(ctx, audit.Filter{EntityType: "incubation_record"}); err != nil || len(evs) != 1 || evs[0].Action != "incubation.move_out" {
		t.Errorf("the move-out's audit event: %+v, %v", evs, err)
	}

	sv := support.ServiceRecord{NationalID: p, Kind: "guidance", Date: day(t, "2024-04-02"), Notes: "电话 13700137000", DistrictCode: "411282", CreatedBy: 1, CreatedAt: at}
	if err := s.CreateService(ctx, &sv); err != nil {
		t.Fatal(err)
	}
	var sealed string
	if err := db.SQL().QueryRow("SELECT national_id || ' ' || notes FROM service_records").Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, p) || strings.Contains(sealed, "13700137000") {
		t.Errorf("the service record is kept in clear: %s", sealed)
	}

	insertApplication(exec, 1, "individual", p, "disbursed", "[]")
	insertApplication(exec, 2, "individual", p, "approved", "[]")
	insertLoan(exec, 7, "1", "NULL", p, "individual", 10000000, 30000000)
	insertLoan(exec, 8, "2", "NULL", p, "individual", 10000000, 30000000)
	insertLoan(exec, 9, "NULL", "'OLD-1'", p, "individual", 5000000, 30000000)
	exec("UPDATE loans SET status = 'cancelled' WHERE id = 8")
	exec("UPDATE applications SET national_id_hash = '" + store.Hash(db, p) + "'")
	exec("UPDATE loans SET national_id_hash = '" + store.Hash(db, p) + "'")

	r, err := s.Records(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Training) != 2 || r.Training[0].ID != newer.ID || r.Training[1].ID != older.ID || r.Training[0].NationalID != strings.ToLower(p) || r.Training[0].Course != "IYB" {
		t.Errorf("training, newest first: %+v", r.Training)
	}
	if len(r.Tenancies) != 2 || r.Tenancies[0].BaseID != other.ID || r.Tenancies[1].ID != stay.ID || r.Tenancies[1].NationalID != p || r.Tenancies[1].DistrictCode != "411282" {
		t.Errorf("tenancies, latest move-in first: %+v", r.Tenancies)
	}
	if len(r.Services) != 1 || r.Services[0].Notes != sv.Notes || r.Services[0].NationalID != p {
		t.Errorf("services: %+v", r.Services)
	}
	loans := map[string]string{}
	for _, l := range r.Loans {
		loans[l.Number] = l.Status
		if l.Disbursed != nil {
			loans[l.Number] += " " + l.Disbursed.Number
		}
	}
	want := map[string]string{"411282-2024-000001": "disbursed L7", "411282-2024-000002": "approved", "L9": "disbursed L9"}
	if len(loans) != len(want) {
		t.Errorf("loans %v, want %v", loans, want)
	}
	for k, v := range want {
		if loans[k] != v {
			t.Errorf("loan %s: %q, want %q (all: %v)", k, loans[k], v, loans)
		}
	}
	if r, err := s.Records(ctx, q); err != nil || len(r.Training) != 20 || len(r.Tenancies)+len(r.Services)+len(r.Loans) != 0 {
		t.Errorf("the other person's records: %d training, %d others, %v", len(r.Training), len(r.Tenancies)+len(r.Services)+len(r.Loans), err)
	}

	// The year's figures, by hand: P finished a course in 2024 (Q's twenty
	// and P's other in 2023), stayed at the 灵宝 base until 31 January 2024
	// and at the 义马 one from February, had one service and borrowed in
	// 灵宝市 (two loans standing, one cancelled) after a course.
	f, err := s.Figures(ctx, 2024, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantDistricts := []support.DistrictFigures{
		{DistrictCode: "411281", DistrictName: "义马市", Tenants: 1},
		{DistrictCode: "411282", DistrictName: "灵宝市", PeopleTrained: 1, Tenants: 1, Services: 1, Borrowers: 1, Supported: 1},
	}
	if !reflect.DeepEqual(f.Districts, wantDistricts) {
		t.Errorf("2024 by district: %+v, want %+v", f.Districts, wantDistricts)
	}
	wantBases := []support.BaseFigures{
		{BaseID: other.ID, Name: other.Name, DistrictCode: "411281", Level: "municipal", Tenants: 1, TenantsWithLoan: 1},
		{BaseID: base.ID, Name: base.Name, DistrictCode: "411282", Level: "provincial", Tenants: 1, TenantsWithLoan: 1},
	}
	if !reflect.DeepEqual(f.Bases, wantBases) {
		t.Errorf("2024 by base: %+v, want %+v", f.Bases, wantBases)
	}
	if f, err := s.Figures(ctx, 2023, []string{"411282"}); err != nil || len(f.Districts) != 1 || f.Districts[0].PeopleTrained != 2 || f.Districts[0].Tenants != 1 || f.Districts[0].Borrowers != 0 ||
		len(f.Bases) != 1 || f.Bases[0].TenantsWithLoan != 0 {
		t.Errorf("2023 in 灵宝市: %+v, %v", f, err)
	}
	exec("UPDATE loans SET status = 'cancelled'")
	if f, err := s.Figures(ctx, 2024, []string{"411282"}); err != nil || f.Districts[0].Borrowers != 0 || f.Districts[0].Supported != 0 || f.Bases[0].TenantsWithLoan != 0 {
		t.Errorf("2024 in 灵宝市 with every loan cancelled: %+v, %v", f, err)
	}
}
