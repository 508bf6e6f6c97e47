package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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

// historyEntry is an entry of an application's history inside the JSON
// array pgxApplicationRead answers (historyJSON), in the order of the
// entries. Its timestamp comes as microseconds since 1970 and is read by
// the connection's timestamptz codec, so that an entry reads as gorm reads
// its row: the same instant in the same time.Location.
type historyEntry struct {
	AtMicros         int64        `json:"at"`
	ActorID          *auth.UserID `json:"actor_id"`
	Actor            string       `json:"actor"`
	Action           string       `json:"action"`
	FromStatus       *string      `json:"from_status"`
	ToStatus         string       `json:"to_status"`
	Comment          string       `json:"comment"`
	MissingDocuments *string      `json:"missing_documents"`
	Changes          *string      `json:"changes"`
	ActorName        string       `json:"actor_name"`
}

// historyJSON is an application's history as one JSON array of objects
// over h (the entry) and u (its actor's account), in the order of the
// entries; '[]' when it has none.
const historyJSON = "COALESCE((SELECT json_agg(json_build_object('at', (extract(epoch FROM h.at) * 1000000)::bigint, " +
	"'actor_id', h.actor_id, 'actor', h.actor, 'action', h.action, 'from_status', h.from_status, 'to_status', h.to_status, " +
	"'comment', h.comment, 'missing_documents', h.missing_documents, 'changes', h.changes, " +
	"'actor_name', COALESCE(NULLIF(u.name, ''), h.actor)) ORDER BY h.id) " +
	"FROM application_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.application_id = applications.id), '[]')"

// microsecFromUnixEpochToY2K is 2000-01-01 in microseconds since 1970:
// the epoch of PostgreSQL's binary timestamps.
const microsecFromUnixEpochToY2K = 946684800 * 1000000

// historyRows are the entries of raw (historyJSON) as find reads them
// through gorm; m is the connection's type map.
func historyRows(m *pgtype.Map, raw []byte) ([]applicationHistoryRow, error) {
	// A draft has no history: an empty array is no entry.
	if string(raw) == "[]" {
		return nil, nil
	}
	var entries []historyEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("application history: %w", err)
	}
	out := make([]applicationHistoryRow, len(entries))
	var bin [8]byte
	for i, e := range entries {
		binary.BigEndian.PutUint64(bin[:], uint64(e.AtMicros-microsecFromUnixEpochToY2K))
		r := &out[i]
		if err := m.Scan(pgtype.TimestamptzOID, pgtype.BinaryFormatCode, bin[:], &r.At); err != nil {
			return nil, fmt.Errorf("application history: %w", err)
		}
		r.ActorID, r.Actor, r.Action, r.FromStatus, r.ToStatus = e.ActorID, e.Actor, e.Action, e.FromStatus, e.ToStatus
		r.Comment, r.MissingDocuments, r.Changes, r.ActorName = e.Comment, e.MissingDocuments, e.Changes, e.ActorName
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
var pgxApplicationRead = "SELECT " + pgxApplicationColumns + ", " + historyJSON + " FROM applications WHERE applications.id = $1"

// getDirect is Get through pgx (see pgxread.go).
func (s Applications) getDirect(ctx context.Context, scope authz.ListScope, id application.ID) (applicationRow, []applicationHistoryRow, error) {
	cond, args := pgxScoped(scope, "applicant_id", []any{id})
	var row applicationRow
	var hist []applicationHistoryRow
	err := s.withPgx(ctx, "application "+id.String(), func(ctx context.Context, c *pgx.Conn) error {
		var raw []byte
		if err := c.QueryRow(ctx, pgxApplicationRead+cond, args...).Scan(planned{"chuangdai.application", append(row.fields(), &raw)}); err != nil {
			return err
		}
		var err error
		hist, err = historyRows(c.TypeMap(), raw)
		return err
	})
	return row, hist, err
}
