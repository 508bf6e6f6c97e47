package support

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
)

// importBatch is how many rows one INSERT carries.
const importBatch = 500

// Columns of the import files: the field names of the JSON API.
var (
	TrainingColumns = []string{"national_id", "name", "course", "institution", "start_date", "end_date", "certificate_no", "district_code"}
	TenancyColumns  = []string{"base_id", "national_id", "entity_name", "move_in", "move_out"}
)

// row gives a data row's cells by column name.
type row struct {
	index map[string]int
	cells []string
}

func (r row) get(col string) string {
	i, ok := r.index[col]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return strings.TrimSpace(r.cells[i])
}

// nulCell is the message for a cell holding a NUL character, which no
// column has a use for and PostgreSQL cannot store.
const nulCell = "holds a NUL character (\\u0000): remove it from the file and send it again"

// nulColumns names the columns of the import whose cell in r holds a NUL.
func (r row) nulColumns() []string {
	var out []string
	for col, i := range r.index {
		if i < len(r.cells) && strings.ContainsRune(r.cells[i], 0) {
			out = append(out, col)
		}
	}
	slices.Sort(out)
	return out
}

func (r row) blank() bool {
	for _, c := range r.cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// readHeader maps column names to positions; every column must be known,
// present once, and the required ones present.
func readHeader(cells []string, columns, optional []string) (map[string]int, []apperr.FieldError) {
	index := map[string]int{}
	var errs []apperr.FieldError
	for i, c := range cells {
		name := strings.ToLower(strings.TrimSpace(c))
		switch {
		case name == "":
			continue
		case !slices.Contains(columns, name):
			errs = append(errs, apperr.FieldError{Row: 1, Field: c, Message: "is not a column of this import: the columns are " + strings.Join(columns, ", ")})
		case seen(index, name):
			errs = append(errs, apperr.FieldError{Row: 1, Field: name, Message: "appears twice in the header"})
		default:
			index[name] = i
		}
	}
	for _, c := range columns {
		if _, ok := index[c]; !ok && !slices.Contains(optional, c) {
			errs = append(errs, apperr.FieldError{Row: 1, Field: c, Message: "column is missing from the header row"})
		}
	}
	return index, errs
}

func seen(index map[string]int, name string) bool {
	_, ok := index[name]
	return ok
}

// importer is one kind of import: how a row becomes a record and how records
// are inserted.
type importer[T any] struct {
	entity   string
	columns  []string
	optional []string
	// parse validates one row, adding its errors to f.
	parse  func(r row, serials bool, f *apperr.Fields) T
	insert func(ctx context.Context, batch []T) (int, error)
}

// run validates every row of the file and, in the same transaction, inserts
// the records in batches as it goes. A bad row stops the inserting but not
// the reading, so every bad row is reported; then the transaction is rolled
// back and nothing stays. Only one batch of records is in memory at a time.
func run[T any](ctx context.Context, s *Service, p auth.Principal, up Upload, im importer[T]) (ImportResult, error) {
	sh, err := openSheet(up)
	if err != nil {
		return ImportResult{}, err
	}
	defer sh.close() //nolint:errcheck // read-only
	var res ImportResult
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var errs []apperr.FieldError
		_, header, err := sh.next()
		if errors.Is(err, io.EOF) {
			return apperr.Validation(apperr.FieldError{Row: 1, Field: "file", Message: "the file is empty: send a header row with the column names"})
		}
		var re rowError
		if errors.As(err, &re) {
			return apperr.Validation(apperr.FieldError{Row: re.row, Field: "file", Message: re.msg})
		}
		if err != nil {
			return err
		}
		index, errs := readHeader(header, im.columns, im.optional)
		if len(errs) > 0 {
			return apperr.Validation(errs...)
		}
		batch := make([]T, 0, importBatch)
		rows := 0
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			n, err := im.insert(ctx, batch)
			if err != nil {
				return err
			}
			res.Imported += n
			res.Skipped += len(batch) - n
			batch = batch[:0]
			return nil
		}
		for {
			num, cells, err := sh.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if errors.As(err, &re) {
				errs = append(errs, apperr.FieldError{Row: re.row, Field: "file", Message: re.msg})
				break
			}
			if err != nil {
				return err
			}
			r := row{index: index, cells: cells}
			if r.blank() {
				continue
			}
			rows++
			if cols := r.nulColumns(); len(cols) > 0 {
				for _, col := range cols {
					errs = append(errs, apperr.FieldError{Row: num, Field: col, Message: nulCell})
				}
				continue
			}
			var f apperr.Fields
			rec := im.parse(r, sh.serialDates(), &f)
			for _, fe := range f.List() {
				errs = append(errs, apperr.FieldError{Row: num, Field: fe.Field, Message: fe.Message})
			}
			if len(errs) > 0 {
				continue
			}
			batch = append(batch, rec)
			if len(batch) == importBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if len(errs) > 0 {
			return apperr.Validation(errs...)
		}
		if rows == 0 {
			return apperr.Validation(apperr.FieldError{Row: 2, Field: "file", Message: "the file has a header but no records"})
		}
		if err := flush(); err != nil {
			return err
		}
		return s.audit.Record(ctx, p, im.entity+".import", im.entity, "import", nil,
			map[string]int{"rows": rows, "imported": res.Imported, "skipped": res.Skipped})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// ownDistrict returns a check that adds an error unless p keeps the records
// of a district; it asks the enforcer once per district of the file.
func (s *Service) ownDistrict(p auth.Principal) func(f *apperr.Fields, field, district string) {
	allowed := map[string]bool{}
	return func(f *apperr.Fields, field, district string) {
		if district == "" || f.Has(field) {
			return
		}
		ok, known := allowed[district]
		if !known {
			ok = s.authz.Can(p, authz.Create, authz.Resource{Kind: KindRecord, District: district})
			allowed[district] = ok
		}
		if !ok {
			f.Addf(field, "is district %s: you import the records of your own district only", district)
		}
	}
}

// courseAliases are spellings rosters use for the courses.
var courseAliases = map[string]string{"马兰花": "malanhua", "gyb": "GYB", "syb": "SYB", "iyb": "IYB", "eyb": "EYB", "其他": "other", "malanhua": "malanhua", "other": "other"}

// ImportTraining imports a training roster. Rows whose course and
// certificate number are recorded already are skipped and counted.
func (s *Service) ImportTraining(ctx context.Context, p auth.Principal, up Upload) (ImportResult, error) {
	if err := s.requireRole(p, authz.Create, KindRecord, "import training records"); err != nil {
		return ImportResult{}, err
	}
	districts, err := s.store.Districts(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	now := s.now().UTC()
	own := s.ownDistrict(p)
	return run(ctx, s, p, up, importer[Training]{
		entity: "training_record", columns: TrainingColumns,
		parse: func(r row, serials bool, f *apperr.Fields) Training {
			course := r.get("course")
			if c, ok := courseAliases[strings.ToLower(course)]; ok {
				course = c
			}
			t := checkTraining(f, TrainingInput{
				NationalID: r.get("national_id"), Name: r.get("name"), Course: course, Institution: r.get("institution"),
				StartDate: cellDate(r.get("start_date"), serials), EndDate: cellDate(r.get("end_date"), serials),
				CertificateNo: r.get("certificate_no"), DistrictCode: r.get("district_code"),
			}, districts)
			own(f, "district_code", t.DistrictCode)
			t.CreatedBy, t.CreatedAt = p.UserID, now
			return t
		},
		insert: s.store.InsertTraining,
	})
}

// ImportTenancies imports a list of tenancies. Rows already recorded (same
// base, person and move-in) and second open tenancies are skipped and counted.
func (s *Service) ImportTenancies(ctx context.Context, p auth.Principal, up Upload) (ImportResult, error) {
	if err := s.requireRole(p, authz.Create, KindRecord, "import incubation records"); err != nil {
		return ImportResult{}, err
	}
	list, err := s.store.Bases(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	bases := map[int64]Base{}
	for _, b := range list {
		bases[b.ID] = b
	}
	now := s.now().UTC()
	own := s.ownDistrict(p)
	return run(ctx, s, p, up, importer[Tenancy]{
		entity: "incubation_record", columns: TenancyColumns, optional: []string{"move_out"},
		parse: func(r row, serials bool, f *apperr.Fields) Tenancy {
			in := TenancyInput{NationalID: r.get("national_id"), EntityName: r.get("entity_name"), MoveIn: cellDate(r.get("move_in"), serials)}
			if v := r.get("move_out"); v != "" {
				out := cellDate(v, serials)
				in.MoveOut = &out
			}
			id, err := strconv.ParseInt(r.get("base_id"), 10, 64)
			in.BaseID = id
			t := checkTenancy(f, in)
			b, ok := bases[id]
			switch {
			case r.get("base_id") == "":
				f.Add("base_id", "is required: the id of a base listed by GET /api/v1/incubation-bases")
			case err != nil:
				f.Add("base_id", "must be the number of a base listed by GET /api/v1/incubation-bases")
			case !ok:
				f.Addf("base_id", "no incubation base has id %d: use an id listed by GET /api/v1/incubation-bases", id)
			default:
				t.BaseName, t.BaseLevel, t.DistrictCode = b.Name, b.Level, b.DistrictCode
				own(f, "base_id", b.DistrictCode)
			}
			t.CreatedBy, t.CreatedAt, t.UpdatedAt = p.UserID, now, now
			return t
		},
		insert: s.store.InsertTenancies,
	})
}
