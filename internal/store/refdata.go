package store

import (
	"context"
	"time"

	"chuangdai/internal/money"
	"chuangdai/internal/refdata"
)

type districtRow struct {
	Code      string `gorm:"primaryKey"`
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (districtRow) TableName() string { return "districts" }

type bankRow struct {
	Code      string `gorm:"primaryKey"`
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (bankRow) TableName() string { return "banks" }

type targetRow struct {
	Year                  int    `gorm:"primaryKey"`
	DistrictCode          string `gorm:"primaryKey"`
	LoanAmountFen         int64
	ReturneeLoanAmountFen *int64
	Jobs                  *int
	UpdatedAt             time.Time
}

func (targetRow) TableName() string { return "targets" }

// Refdata implements refdata.Store.
type Refdata struct{ *DB }

// CreateDistrict implements refdata.Store.
func (s Refdata) CreateDistrict(ctx context.Context, d refdata.District) error {
	row := districtRow{Code: d.Code, Name: d.Name, CreatedAt: d.CreatedAt, UpdatedAt: d.CreatedAt}
	return translate(s.conn(ctx).Create(&row).Error, "district "+d.Code)
}

// ListDistricts implements refdata.Store.
func (s Refdata) ListDistricts(ctx context.Context) ([]refdata.District, error) {
	var rows []districtRow
	if err := s.conn(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err, "districts")
	}
	out := make([]refdata.District, len(rows))
	for i, r := range rows {
		out[i] = refdata.District{Code: r.Code, Name: r.Name, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

func (s Refdata) exists(ctx context.Context, model any, code string) (bool, error) {
	var n int64
	err := s.conn(ctx).Model(model).Where("code = ?", code).Count(&n).Error
	return n > 0, translate(err, "lookup")
}

// DistrictExists implements refdata.Store.
func (s Refdata) DistrictExists(ctx context.Context, code string) (bool, error) {
	return s.exists(ctx, &districtRow{}, code)
}

// BankExists reports whether a bank exists.
func (s Refdata) BankExists(ctx context.Context, code string) (bool, error) {
	return s.exists(ctx, &bankRow{}, code)
}

// CreateBank implements refdata.Store.
func (s Refdata) CreateBank(ctx context.Context, b refdata.Bank) error {
	row := bankRow{Code: b.Code, Name: b.Name, CreatedAt: b.CreatedAt, UpdatedAt: b.CreatedAt}
	return translate(s.conn(ctx).Create(&row).Error, "bank "+b.Code)
}

// ListBanks implements refdata.Store.
func (s Refdata) ListBanks(ctx context.Context) ([]refdata.Bank, error) {
	var rows []bankRow
	if err := s.conn(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err, "banks")
	}
	out := make([]refdata.Bank, len(rows))
	for i, r := range rows {
		out[i] = refdata.Bank{Code: r.Code, Name: r.Name, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// ReplaceTargets implements refdata.Store.
func (s Refdata) ReplaceTargets(ctx context.Context, year int, items []refdata.Target, at time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Where("year = ?", year).Delete(&targetRow{}).Error; err != nil {
			return translate(err, "targets")
		}
		for _, t := range items {
			row := targetRow{Year: year, DistrictCode: t.DistrictCode, LoanAmountFen: money.MustFen(t.LoanAmount), Jobs: t.Jobs, UpdatedAt: at}
			if t.ReturneeLoanAmount != nil {
				f := money.MustFen(*t.ReturneeLoanAmount)
				row.ReturneeLoanAmountFen = &f
			}
			if err := s.conn(ctx).Create(&row).Error; err != nil {
				return translate(err, "target for "+t.DistrictCode)
			}
		}
		return nil
	})
}

// Targets implements refdata.Store.
func (s Refdata) Targets(ctx context.Context, year int) ([]refdata.Target, error) {
	type row struct {
		DistrictCode          string
		DistrictName          string
		LoanAmountFen         int64
		ReturneeLoanAmountFen *int64
		Jobs                  *int
	}
	var rows []row
	err := s.conn(ctx).Table("targets").
		Select("targets.district_code, districts.name AS district_name, targets.loan_amount_fen, targets.returnee_loan_amount_fen, targets.jobs").
		Joins("JOIN districts ON districts.code = targets.district_code").
		Where("targets.year = ?", year).Order("targets.district_code").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "targets")
	}
	out := make([]refdata.Target, len(rows))
	for i, r := range rows {
		t := refdata.Target{DistrictCode: r.DistrictCode, DistrictName: r.DistrictName, LoanAmount: money.FromFen(r.LoanAmountFen), Jobs: r.Jobs}
		if r.ReturneeLoanAmountFen != nil {
			d := money.FromFen(*r.ReturneeLoanAmountFen)
			t.ReturneeLoanAmount = &d
		}
		out[i] = t
	}
	return out, nil
}
