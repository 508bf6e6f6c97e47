package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"chuangdai/internal/application"
	"chuangdai/internal/authz"
)

// applicationRowColumns are the columns of applicationRow in the order of
// its fields; identity_verified is computed (see applicationSelect).
var applicationRowColumns = []string{"id", "number", "status", "version", "applicant_id", "borrower_type", "name", "national_id",
	"national_id_hash", "birth_date", "female", "is_disabled", "is_village_official", "is_returned_overseas_student", "not_employed",
	"phone", "key_group", "district_code", "bank_code", "amount_fen", "term_months", "business_name", "industry", "purpose",
	"jobs_planned", "partners", "enterprise_name", "enterprise_credit_code", "enterprise_employees", "enterprise_new_key_group_hires",
	"other_loans", "created_year", "created_at", "updated_at", "submitted_at", "submitted_on", "stage_entered_at",
	"approved_amount_fen", "annual_rate_ppm", "approved_term_months", "counter_guarantee", "approved_at", "approved_by",
	"disbursed_at", "identity_verified"}

// fields are where the columns of applicationRowColumns are scanned, in
// that order.
func (r *applicationRow) fields() []any {
	return []any{&r.ID, &r.Number, &r.Status, &r.Version, &r.ApplicantID, &r.BorrowerType, &r.Name, &r.NationalID,
		&r.NationalIDHash, &r.BirthDate, &r.Female, &r.IsDisabled, &r.IsVillageOfficial, &r.IsReturnedOverseasStudent, &r.NotEmployed,
		&r.Phone, &r.KeyGroup, &r.DistrictCode, &r.BankCode, &r.AmountFen, &r.TermMonths, &r.BusinessName, &r.Industry, &r.Purpose,
		&r.JobsPlanned, &r.Partners, &r.EnterpriseName, &r.EnterpriseCreditCode, &r.EnterpriseEmployees, &r.EnterpriseNewKeyGroupHires,
		&r.OtherLoans, &r.CreatedYear, &r.CreatedAt, &r.UpdatedAt, &r.SubmittedAt, &r.SubmittedOn, &r.StageEnteredAt,
		&r.ApprovedAmountFen, &r.AnnualRatePPM, &r.ApprovedTermMonths, &r.CounterGuarantee, &r.ApprovedAt, &r.ApprovedBy,
		&r.DisbursedAt, &r.IdentityVerified}
}

// historyFields are where an entry of an application's history is scanned
// from the columns pgxApplicationRead answers after the application's.
func (h *applicationHistoryRow) historyFields() []any {
	return []any{&h.ID, &h.At, &h.ActorID, &h.Actor, &h.Action, &h.FromStatus, &h.ToStatus, &h.Comment, &h.MissingDocuments, &h.Changes,
		&h.ActorName}
}

// pgxHistory joins to an application (applications) its history as hh,
// one row per entry with its actor's name, one row of NULLs when it has
// none.
const pgxHistory = " LEFT JOIN LATERAL (SELECT h.id, h.at, h.actor_id, h.actor, h.action, h.from_status, h.to_status, h.comment, " +
	"h.missing_documents, h.changes, COALESCE(NULLIF(u.name, ''), h.actor) AS actor_name " +
	"FROM application_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.application_id = applications.id) hh ON true"

// historyColumnList is historyColumns one by one.
var historyColumnList = []string{"hh.id", "hh.at", "hh.actor_id", "hh.actor", "hh.action", "hh.from_status", "hh.to_status", "hh.comment",
	"hh.missing_documents", "hh.changes", "hh.actor_name"}

// historyColumns are the columns of historyFields, hh.id first.
var historyColumns = strings.Join(historyColumnList, ", ")

// pgxApplicationColumns is the select list of applicationRowColumns for
// pgx.
var pgxApplicationColumns = func() string {
	cols := make([]string, len(applicationRowColumns))
	for i, c := range applicationRowColumns {
		cols[i] = "applications." + c
	}
	cols[len(cols)-1] = fmt.Sprintf(verifiedSQL, "applications")
	return strings.Join(cols, ", ")
}()

// pgxApplications selects the columns of applicationRow from applications
// for pgx; a WHERE follows.
var pgxApplications = "SELECT " + pgxApplicationColumns + " FROM applications"

// pgxApplicationRead is the statement of an application by id ($1) with
// its history on PostgreSQL through pgx, one statement where gorm's read
// is two: the application's columns and an entry's, one row per entry
// (one row when it has none). The scope's condition follows. It has no
// ORDER BY: sorting the few rows was a fifth of the statement's time on
// the server (a sort's setup), and getDirect puts the entries in order.
var pgxApplicationRead = "SELECT " + pgxApplicationColumns + ", " + historyColumns + " FROM applications" + pgxHistory + " WHERE applications.id = $1"

// getDirect is Get through pgx (see pgxread.go). The application's columns
// are scanned from the first row only (they repeat on the others), an
// entry's from a row whose entry id is not NULL; the entries are then
// sorted by id, the order gorm's read asks for.
func (s Applications) getDirect(ctx context.Context, scope authz.ListScope, id application.ID) (applicationRow, []applicationHistoryRow, error) {
	cond, args := pgxScoped(scope, "applicant_id", []any{id})
	var row applicationRow
	var hist []applicationHistoryRow
	err := s.withPgx(ctx, "application "+id.String(), func(ctx context.Context, c *pgx.Conn) error {
		rows, err := c.Query(ctx, pgxApplicationRead+cond, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := len(applicationRowColumns)
		first := true
		for rows.Next() {
			key, dest := "chuangdai.application", make([]any, n, n+len(historyColumnList))
			if first {
				key += ".row"
				copy(dest, row.fields())
			}
			var h applicationHistoryRow
			entry := len(rows.RawValues()) > n && rows.RawValues()[n] != nil
			if entry {
				key += ".entry"
				dest = append(dest, h.historyFields()...)
			} else {
				dest = dest[:n+len(historyColumnList)]
			}
			if err := rows.Scan(planned{key, dest}); err != nil {
				return err
			}
			if entry {
				h.ApplicationID = id
				hist = append(hist, h)
			}
			first = false
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if first {
			return pgx.ErrNoRows
		}
		slices.SortFunc(hist, func(a, b applicationHistoryRow) int { return cmp.Compare(a.ID, b.ID) })
		return nil
	})
	return row, hist, err
}
