package store

import (
	"context"
	"time"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/crypt"
	"chuangdai/internal/identity"
)

// Every lookup of a resident ID number bound to an account is in this file:
// the number is sealed, and found by its keyed hash (national_id_hash). The other number an account
// carries, a staff member's own, is the users.national_id column, read and
// written only with the user (users.go) and never looked up by.

type identityRow struct {
	// NationalID is sealed; it stays the primary key an earlier release
	// gave it (ciphertexts are distinct), uniqueness is NationalIDHash's.
	NationalID     string `gorm:"primaryKey"`
	NationalIDHash string
	UserID         auth.UserID
	Method         string
	VerifiedBy     *auth.UserID
	ApplicationID  *int64
	VerifiedAt     time.Time
}

func (identityRow) TableName() string { return "person_identities" }

const identityColumn = "person_identities.national_id"

func (db *DB) identityOf(r identityRow) (identity.Identity, error) {
	nid, err := db.open(identityColumn, r.NationalID)
	return identity.Identity{NationalID: nid, UserID: r.UserID, Method: identity.Method(r.Method),
		VerifiedBy: r.VerifiedBy, ApplicationID: r.ApplicationID, VerifiedAt: r.VerifiedAt}, err
}

// Identities keeps the bindings of resident ID numbers to accounts.
type Identities struct{ *DB }

// Holder returns the binding of a resident ID number, or nil when no account
// is verified for it.
func (s Identities) Holder(ctx context.Context, nationalID string) (*identity.Identity, error) {
	var rows []identityRow
	if err := s.conn(ctx).Where("national_id_hash = ?", s.hash(nationalID)).Limit(1).Find(&rows).Error; err != nil {
		return nil, translate(err, "identity")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	id, err := s.identityOf(rows[0])
	if err != nil {
		return nil, err
	}
	return &id, nil
}

// Bind records that the account is verified as the holder of the number. A
// number already bound (to any account) is an apperr Conflict.
func (s Identities) Bind(ctx context.Context, id identity.Identity) error {
	sealed, err := s.seal(identityColumn, crypt.NormalID(id.NationalID))
	if err != nil {
		return err
	}
	row := identityRow{NationalID: sealed, NationalIDHash: s.hash(id.NationalID), UserID: id.UserID, Method: string(id.Method),
		VerifiedBy: id.VerifiedBy, ApplicationID: id.ApplicationID, VerifiedAt: id.VerifiedAt}
	err = s.changedPrincipals(ctx, s.conn(ctx).Create(&row).Error, "identity")
	if apperr.KindOf(err) == apperr.Conflict {
		return apperr.Conflictf("the resident ID number is already bound to an account")
	}
	return err
}

// OfUsers returns the numbers bound to each of the accounts.
func (s Identities) OfUsers(ctx context.Context, userIDs []auth.UserID) (map[auth.UserID][]identity.Identity, error) {
	out := map[auth.UserID][]identity.Identity{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []identityRow
	if err := s.conn(ctx).Where("user_id IN ?", userIDs).Order("verified_at, national_id_hash").Find(&rows).Error; err != nil {
		return nil, translate(err, "identities")
	}
	for _, r := range rows {
		id, err := s.identityOf(r)
		if err != nil {
			return nil, err
		}
		out[r.UserID] = append(out[r.UserID], id)
	}
	return out, nil
}

// LockPerson implements identity.Store with the lock the application rules take.
func (s Identities) LockPerson(ctx context.Context, nationalID string) error {
	return Applications(s).LockPerson(ctx, nationalID)
}

// Phone implements identity.Store.
func (s Identities) Phone(ctx context.Context, userID auth.UserID) (string, error) {
	rec, err := Users(s).Get(ctx, authz.ListScope{All: true}, userID)
	return rec.Phone, err
}

// FailedChecks implements identity.Store from the audit trail, where every
// real-name check that did not confirm the person is recorded.
func (s Identities) FailedChecks(ctx context.Context, userID auth.UserID, since time.Time) (int, error) {
	var n int64
	err := s.conn(ctx).Model(&auditRow{}).
		Where("entity_type = 'user' AND entity_id = ? AND action = 'identity.check_failed' AND at >= ?", userID.String(), since).
		Count(&n).Error
	return int(n), translate(err, "real-name checks")
}

// verifiedSQL is true for an application row (alias a) whose resident ID
// number is bound to its applicant's account.
const verifiedSQL = "EXISTS (SELECT 1 FROM person_identities pi WHERE pi.national_id_hash = %[1]s.national_id_hash AND pi.user_id = %[1]s.applicant_id)"

// countsForSQL selects the applications (alias a) that count for the person
// with a number when the account asks: its own, and those of the account
// the number is bound to. Another account's unverified claim counts for
// nobody else. Arguments: the account, then the number's hash.
const countsForSQL = "(%[1]s.applicant_id = ? OR %[1]s.applicant_id IN (SELECT pi.user_id FROM person_identities pi WHERE pi.national_id_hash = ?))"
