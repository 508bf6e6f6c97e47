package support

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"

	"chuangdai/internal/apperr"
	"chuangdai/internal/auth"
	"chuangdai/internal/authz"
	"chuangdai/internal/idnum"
	"chuangdai/internal/sheet"
)

// importBatch is how many rows one INSERT carries.
const importBatch = 500

// exampleID is the resident ID of the templates' example rows.
var exampleID = idnum.WithCheckDigit("41128219900315002")

// personColumn is the resident ID column of every roster.
var personColumn = sheet.Column{Name: "national_id", Header: "身份证号", Aliases: []string{"身份证号码", "公民身份号码", "身份证"},
	Kind: sheet.Code, Required: true, Example: exampleID,
	Note: "18 位居民身份证号码，末位可为 X；请把本列设为文本，以免 Excel 丢掉末尾几位", NoteEN: "the 18-character resident ID number (the last may be X); keep the column as text so that Excel keeps every digit"}

// districtChoices are the districts as codes and names.
func districtChoices(districts map[string]string) []sheet.Choice {
	out := make([]sheet.Choice, 0, len(districts))
	for code, name := range districts {
		out = append(out, sheet.Choice{Code: code, Label: name})
	}
	slices.SortFunc(out, func(a, b sheet.Choice) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// TrainingSpec is the layout of a training roster; districts are the
// districts by code, example the district of the template's example row.
func TrainingSpec(districts map[string]string, example string) sheet.Spec {
	return sheet.Spec{Columns: []sheet.Column{
		personColumn,
		{Name: "name", Header: "姓名", Required: true, Example: "张伟", Note: "学员姓名", NoteEN: "the trainee's name"},
		{Name: "course", Header: "培训课程", Aliases: []string{"课程", "培训项目", "培训类型"}, Required: true, Closed: true, Example: "SYB",
			Choices: []sheet.Choice{{Code: "GYB"}, {Code: "SYB"}, {Code: "IYB"}, {Code: "EYB"},
				{Code: "malanhua", Label: "马兰花", Aliases: []string{"马兰花计划", "马兰花创业培训"}}, {Code: "other", Label: "其他"}},
			Note: "GYB、SYB、IYB、EYB、马兰花或其他", NoteEN: "GYB, SYB, IYB, EYB, 马兰花 (malanhua) or other"},
		{Name: "institution", Header: "培训机构", Aliases: []string{"培训单位", "机构名称"}, Required: true, Example: "三门峡市技师学院",
			Note: "承办培训的机构", NoteEN: "the institution that gave the course"},
		{Name: "start_date", Header: "开始日期", Aliases: []string{"培训开始日期", "开班日期"}, Kind: sheet.Date, Required: true, Example: "2024-03-01",
			Note: "如 2024-03-01、2024/3/1 或 2024年3月1日", NoteEN: "such as 2024-03-01, 2024/3/1 or a date cell"},
		{Name: "end_date", Header: "结束日期", Aliases: []string{"培训结束日期", "结业日期"}, Kind: sheet.Date, Required: true, Example: "2024-03-10",
			Note: "不早于开始日期", NoteEN: "on or after the start date"},
		{Name: "certificate_no", Header: "证书编号", Aliases: []string{"合格证编号", "结业证书编号", "证书号"}, Kind: sheet.Code, Required: true, Example: "SYB-2024-0001",
			Note: "同一课程内唯一；已登记的证书跳过", NoteEN: "unique per course; certificates already recorded are skipped"},
		{Name: "district_code", Header: "区县", Aliases: []string{"区县代码", "所属区县", "县区"}, Kind: sheet.Code, Required: true, Closed: true,
			Choices: districtChoices(districts), Example: districts[example],
			Note: "区县名称或 6 位代码，只能是本人所在区县", NoteEN: "the district's name or 6-digit code: your own district"},
	}}
}

// TenancySpec is the layout of a tenancy list; bases name the bases whose
// names may stand for their ids, example the base of the example row.
func TenancySpec(bases []Base, example Base) sheet.Spec {
	names := map[string]int{}
	for _, b := range bases {
		names[b.Name]++
	}
	var choices []sheet.Choice
	for _, b := range bases {
		if names[b.Name] == 1 {
			choices = append(choices, sheet.Choice{Code: strconv.FormatInt(b.ID, 10), Label: b.Name})
		}
	}
	exampleBase := example.Name
	if names[example.Name] != 1 {
		exampleBase = strconv.FormatInt(example.ID, 10)
	}
	return sheet.Spec{Columns: []sheet.Column{
		{Name: "base_id", Header: "孵化基地", Aliases: []string{"基地", "基地名称", "孵化基地名称", "基地编号"}, Kind: sheet.Code, Required: true,
			Choices: choices, Example: exampleBase,
			Note: "基地名称，或 GET /api/v1/incubation-bases 列出的编号", NoteEN: "the base's name, or its id as listed by GET /api/v1/incubation-bases"},
		personColumn,
		{Name: "entity_name", Header: "入驻主体", Aliases: []string{"入驻企业", "企业名称", "主体名称", "入驻主体名称"}, Required: true, Example: "灵宝苹果合作社",
			Note: "入驻的企业或个体户名称", NoteEN: "the business that moved in"},
		{Name: "move_in", Header: "入驻日期", Aliases: []string{"入孵日期", "入驻时间"}, Kind: sheet.Date, Required: true, Example: "2024-01-15",
			Note: "如 2024-01-15", NoteEN: "such as 2024-01-15"},
		{Name: "move_out", Header: "退出日期", Aliases: []string{"出孵日期", "迁出日期", "退出时间"}, Kind: sheet.Date,
			Note: "仍在基地的留空", NoteEN: "empty while the business is still at the base"},
	}}
}

// importer is one kind of import: how a row becomes a record and how records
// are inserted.
type importer[T any] struct {
	entity string
	spec   sheet.Spec
	// parse validates one row, adding its errors to f.
	parse  func(r sheet.Row, f *apperr.Fields) T
	insert func(ctx context.Context, batch []T) (int, error)
}

// run validates every row of the file and, in the same transaction, inserts
// the records in batches as it goes. A bad row stops the inserting but not
// the reading, so every bad row is reported; then the transaction is rolled
// back and nothing stays. Only one batch of records is in memory at a time.
// A dry run does all of it and rolls back at the end.
func run[T any](ctx context.Context, s *Service, p auth.Principal, up sheet.Upload, mode sheet.Mode, im importer[T]) (sheet.Result, error) {
	file, err := sheet.Open(up, im.spec, sheet.DefaultLimits)
	if err != nil {
		return sheet.Result{}, err
	}
	defer file.Close() //nolint:errcheck // read-only
	var res sheet.Result
	err = s.store.InTx(ctx, func(ctx context.Context) error {
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
		err := file.Each(func(r sheet.Row, f *apperr.Fields) error {
			rows++
			rec := im.parse(r, f)
			if !f.Empty() || file.Failed() {
				return nil
			}
			batch = append(batch, rec)
			if len(batch) == importBatch {
				return flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, p, im.entity+".import", im.entity, "import", nil,
			map[string]int{"rows": rows, "imported": res.Imported, "skipped": res.Skipped}); err != nil {
			return err
		}
		return mode.Finish()
	})
	if err != nil && !errors.Is(err, sheet.ErrDryRun) {
		return sheet.Result{}, apperr.Contextf(err, "import a file of %s rows", im.entity)
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

// homeDistrict is the district of p's records: its HRSS binding, or the
// first district.
func homeDistrict(p auth.Principal, districts map[string]string) string {
	if b, ok := p.Binding(auth.HRSSOfficer); ok && districts[b.District] != "" {
		return b.District
	}
	first := ""
	for code := range districts {
		if first == "" || code < first {
			first = code
		}
	}
	return first
}

// TrainingTemplate is the template of a training roster, its example row
// in the caller's district.
func (s *Service) TrainingTemplate(ctx context.Context, p auth.Principal) (sheet.Template, error) {
	if err := s.requireRole(p, authz.Create, KindRecord, "your role may not import training records"); err != nil {
		return sheet.Template{}, err
	}
	districts, err := s.store.Districts(ctx)
	if err != nil {
		return sheet.Template{}, err
	}
	return sheet.Template{Name: "training-roster-template", Title: "创业培训花名册", Spec: TrainingSpec(districts, homeDistrict(p, districts))}, nil
}

// TenancyTemplate is the template of a tenancy list, its example row at a
// base of the caller's district.
func (s *Service) TenancyTemplate(ctx context.Context, p auth.Principal) (sheet.Template, error) {
	if err := s.requireRole(p, authz.Create, KindRecord, "your role may not import incubation records"); err != nil {
		return sheet.Template{}, err
	}
	bases, err := s.store.Bases(ctx)
	if err != nil {
		return sheet.Template{}, err
	}
	districts, err := s.store.Districts(ctx)
	if err != nil {
		return sheet.Template{}, err
	}
	example := Base{ID: 1}
	if len(bases) > 0 {
		example = bases[0]
	}
	home := homeDistrict(p, districts)
	if i := slices.IndexFunc(bases, func(b Base) bool { return b.DistrictCode == home }); i >= 0 {
		example = bases[i]
	}
	return sheet.Template{Name: "incubation-tenancies-template", Title: "入驻孵化基地名单", Spec: TenancySpec(bases, example)}, nil
}

// ImportTraining imports a training roster. Rows whose course and
// certificate number are recorded already are skipped and counted.
func (s *Service) ImportTraining(ctx context.Context, p auth.Principal, up sheet.Upload, mode sheet.Mode) (sheet.Result, error) {
	if err := s.requireRole(p, authz.Create, KindRecord, "your role may not import training records"); err != nil {
		return sheet.Result{}, err
	}
	districts, err := s.store.Districts(ctx)
	if err != nil {
		return sheet.Result{}, apperr.Contextf(err, "read the districts to import training")
	}
	now := s.now().UTC()
	own := s.ownDistrict(p)
	return run(ctx, s, p, up, mode, importer[Training]{
		entity: "training_record", spec: TrainingSpec(districts, ""),
		parse: func(r sheet.Row, f *apperr.Fields) Training {
			t := checkTraining(f, TrainingInput{
				NationalID: r.Get("national_id"), Name: r.Get("name"), Course: r.Get("course"), Institution: r.Get("institution"),
				StartDate: r.Get("start_date"), EndDate: r.Get("end_date"),
				CertificateNo: r.Get("certificate_no"), DistrictCode: r.Get("district_code"),
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
func (s *Service) ImportTenancies(ctx context.Context, p auth.Principal, up sheet.Upload, mode sheet.Mode) (sheet.Result, error) {
	if err := s.requireRole(p, authz.Create, KindRecord, "your role may not import incubation records"); err != nil {
		return sheet.Result{}, err
	}
	list, err := s.store.Bases(ctx)
	if err != nil {
		return sheet.Result{}, apperr.Contextf(err, "read the incubation bases to import tenancies")
	}
	bases := map[int64]Base{}
	for _, b := range list {
		bases[b.ID] = b
	}
	now := s.now().UTC()
	own := s.ownDistrict(p)
	return run(ctx, s, p, up, mode, importer[Tenancy]{
		entity: "incubation_record", spec: TenancySpec(list, Base{}),
		parse: func(r sheet.Row, f *apperr.Fields) Tenancy {
			in := TenancyInput{NationalID: r.Get("national_id"), EntityName: r.Get("entity_name"), MoveIn: r.Get("move_in")}
			if v := r.Get("move_out"); v != "" {
				in.MoveOut = &v
			}
			raw := r.Get("base_id")
			id, err := strconv.ParseInt(raw, 10, 64)
			in.BaseID = id
			t := checkTenancy(f, in)
			b, ok := bases[id]
			switch {
			case raw == "":
				f.Add("base_id", "is required: the name of a base, or its id as listed by GET /api/v1/incubation-bases")
			case err != nil:
				f.Addf("base_id", "is %q, which is neither the name nor the id of a base listed by GET /api/v1/incubation-bases", raw)
			case !ok:
				f.Addf("base_id", "no incubation base has id %d: use a name or id listed by GET /api/v1/incubation-bases", id)
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
