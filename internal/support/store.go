package support

import (
	"context"

	"chuangdai/internal/audit"
	"chuangdai/internal/authz"
)

// Store is what the four-in-one records need from persistence.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Districts returns the code and name of every district.
	Districts(ctx context.Context) (map[string]string, error)

	CreateTraining(ctx context.Context, t *Training) error
	// InsertTraining inserts records, skipping those whose course and
	// certificate number exist already; it returns how many it inserted.
	InsertTraining(ctx context.Context, ts []Training) (int, error)

	CreateBase(ctx context.Context, b *Base) error
	Bases(ctx context.Context) ([]Base, error)
	// Base returns a base; a missing one is a not_found error.
	Base(ctx context.Context, id int64) (Base, error)

	CreateTenancy(ctx context.Context, t *Tenancy) error
	// InsertTenancies inserts tenancies, skipping duplicates (same base,
	// person and move-in, or a second open tenancy); it returns how many it inserted.
	InsertTenancies(ctx context.Context, ts []Tenancy) (int, error)
	// UpdateTenancy changes the tenancy id in one transaction: it reads it
	// with its base, row-locked, within scope (the base's district; a
	// not_found error outside it, and fn does not run), runs fn on it,
	// writes its move-out if the stored one is still the one read, and
	// appends fn's audit event about the record. An error of fn writes
	// nothing. It answers the tenancy as written.
	UpdateTenancy(ctx context.Context, scope authz.ListScope, id int64, fn func(ctx context.Context, t *Tenancy) (audit.Event, error)) (Tenancy, error)

	CreateService(ctx context.Context, s *ServiceRecord) error

	// Records returns everything known about the person, newest first.
	Records(ctx context.Context, nationalID string) (Records, error)
	// Figures counts the year's figures; districts nil means every district.
	Figures(ctx context.Context, year int, districts []string) (Figures, error)
}
