package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chuangdai/internal/application"
	"chuangdai/internal/auth"
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

// historyArrays is an application's history as one array per column, in
// the order of the entries, as pgxApplicationRead answers it: pgx scans
// each array with the codec it scans the column with, so an entry reads
// as gorm reads its row.
type historyArrays struct {
	at                        []time.Time
	actorID                   []*int64
	actor, action, toStatus   []string
	comment, actorName        []string
	fromStatus, missing, chgs []*string
}

// historyArrayColumns are the expressions of historyArrays over h (the
// entry) and u (its actor's account), in the order of fields.
var historyArrayColumns = []string{"h.at", "h.actor_id", "h.actor", "h.action", "h.to_status", "h.comment",
	"COALESCE(NULLIF(u.name, ''), h.actor)", "h.from_status", "h.missing_documents", "h.changes"}

func (h *historyArrays) fields() []any {
	return []any{&h.at, &h.actorID, &h.actor, &h.action, &h.toStatus, &h.comment, &h.actorName, &h.fromStatus, &h.missing, &h.chgs}
}

// rows are the entries of h as find reads them through gorm.
func (h historyArrays) rows() ([]applicationHistoryRow, error) {
	n := len(h.at)
	for _, l := range []int{len(h.actorID), len(h.actor), len(h.action), len(h.toStatus), len(h.comment), len(h.actorName),
		len(h.fromStatus), len(h.missing), len(h.chgs)} {
		if l != n {
			return nil, fmt.Errorf("application history: arrays of %d and %d entries", n, l)
		}
	}
	out := make([]applicationHistoryRow, n)
	for i := range out {
		out[i] = applicationHistoryRow{At: h.at[i], ActorID: (*auth.UserID)(h.actorID[i]), Actor: h.actor[i], Action: h.action[i],
			FromStatus: h.fromStatus[i], ToStatus: h.toStatus[i], Comment: h.comment[i], MissingDocuments: h.missing[i],
			Changes: h.chgs[i], ActorName: h.actorName[i]}
	}
	return out, nil
}

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
// is two; the scope's condition follows.
var pgxApplicationRead = func() string {
	hist, cols := make([]string, len(historyArrayColumns)), make([]string, len(historyArrayColumns))
	for i, c := range historyArrayColumns {
		hist[i] = fmt.Sprintf("COALESCE(array_agg(%s ORDER BY h.id), '{}') AS h%d", c, i)
		cols[i] = fmt.Sprintf("hist.h%d", i)
	}
	return "SELECT " + pgxApplicationColumns + ", " + strings.Join(cols, ", ") + " FROM applications CROSS JOIN LATERAL (SELECT " + strings.Join(hist, ", ") +
		" FROM application_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.application_id = applications.id) hist" +
		" WHERE applications.id = $1"
}()

// getDirect is Get through pgx (see pgxread.go).
func (s Applications) getDirect(ctx context.Context, scope authz.ListScope, id application.ID) (applicationRow, []applicationHistoryRow, error) {
	cond, args := pgxScoped(scope, "applicant_id", []any{id})
	var row applicationRow
	var h historyArrays
	err := s.withPgx(ctx, "application "+id.String(), func(ctx context.Context, c *pgx.Conn) error {
		return c.QueryRow(ctx, pgxApplicationRead+cond, args...).Scan(planned{"chuangdai.application", append(row.fields(), h.fields()...)})
	})
	if err != nil {
		return row, nil, err
	}
	hist, err := h.rows()
	return row, hist, err
}
