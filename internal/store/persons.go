package store

import (
	"context"
	"slices"
	"strings"

	"chuangdai/internal/application"
	"chuangdai/internal/loan"
)

// personRow is one person of an application or loan (application_persons):
// the lead, or a partner of a partnership.
type personRow struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID *application.ID
	LoanID        *loan.ID
	// NationalID is sealed; the rows are found and told apart by
	// NationalIDHash.
	NationalID     string
	NationalIDHash string
	Role           string
	Verified       bool
}

func (personRow) TableName() string { return "application_persons" }

const personColumn = "application_persons.national_id"

// sealPerson seals the number of r (in clear) and fills its hash.
func (db *DB) sealPerson(r personRow) (personRow, error) {
	sealed, err := db.seal(personColumn, r.NationalID)
	if err != nil {
		return r, err
	}
	r.NationalID, r.NationalIDHash = sealed, db.hash(r.NationalID)
	return r, nil
}

// The roles of application_persons.
const (
	roleLead    = "lead"
	rolePartner = "partner"
)

// personsOf lists the persons of a, the lead first: the lead's resident ID
// number, then each partner not the lead, by upper-case number. A draft
// saved without a number names nobody by it: it blocks no one.
func personsOf(a application.Application) []personRow {
	var out []personRow
	if a.NationalID != "" {
		out = append(out, personRow{NationalID: strings.ToUpper(a.NationalID), Role: roleLead})
	}
	for _, p := range a.Partners {
		n := strings.ToUpper(p.NationalID)
		if n != "" && !slices.ContainsFunc(out, func(r personRow) bool { return r.NationalID == n }) {
			out = append(out, personRow{NationalID: n, Role: rolePartner})
		}
	}
	return out
}

// syncPersons makes the person rows of application a what its fields say,
// in the caller's transaction: rows of persons no longer named go, new ones
// come unverified, and a row whose role changed is updated.
func (s Applications) syncPersons(ctx context.Context, a application.Application) error {
	want := map[string]string{}
	for _, r := range personsOf(a) {
		want[s.hash(r.NationalID)] = r.Role
	}
	var have []personRow
	db := s.conn(ctx)
	if err := db.Where("application_id = ?", a.ID).Find(&have).Error; err != nil {
		return translate(err, "application persons")
	}
	var gone []int64
	for _, r := range have {
		role, ok := want[r.NationalIDHash]
		switch {
		case !ok:
			gone = append(gone, r.ID)
		case role != r.Role:
			if err := db.Model(&personRow{}).Where("id = ?", r.ID).Update("role", role).Error; err != nil {
				return translate(err, "application persons")
			}
		}
		delete(want, r.NationalIDHash)
	}
	if len(gone) > 0 {
		if err := db.Where("id IN ?", gone).Delete(&personRow{}).Error; err != nil {
			return translate(err, "application persons")
		}
	}
	if len(want) == 0 {
		return nil
	}
	id := a.ID
	var rows []personRow
	for _, r := range personsOf(a) {
		if _, ok := want[s.hash(r.NationalID)]; ok {
			r.ApplicationID = &id
			r, err := s.sealPerson(r)
			if err != nil {
				return err
			}
			rows = append(rows, r)
		}
	}
	return translate(db.Create(&rows).Error, "application persons")
}

// VerifyPersons implements application.Store.
func (s Applications) VerifyPersons(ctx context.Context, applicationID application.ID) error {
	return translate(s.conn(ctx).Model(&personRow{}).Where("application_id = ?", applicationID).
		Update("verified", true).Error, "application persons")
}

// attachLoan moves the persons of application applicationID to its new
// loan: they hold it now, whichever account made the application.
func (db *DB) attachLoan(ctx context.Context, applicationID application.ID, loanID loan.ID) error {
	return translate(db.conn(ctx).Model(&personRow{}).Where("application_id = ?", applicationID).
		Updates(map[string]any{"loan_id": loanID, "verified": true}).Error, "application persons")
}
