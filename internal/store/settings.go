package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type settingRow struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	CreatedAt time.Time
}

func (settingRow) TableName() string { return "settings" }

// Setting returns the stored value of key, creating it with generate() if it
// is absent. Concurrent callers, in this process or another, all get the
// value that was stored first. A stored value is only read, so a read-only
// database (a standby) serves it.
func (db *DB) Setting(ctx context.Context, key string, generate func() string) (string, error) {
	var got settingRow
	err := db.conn(ctx).Where("key = ?", key).Take(&got).Error
	if err == nil {
		return got.Value, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", translate(err, "setting")
	}
	row := settingRow{Key: key, Value: generate(), CreatedAt: time.Now().UTC()}
	if err := db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return "", translate(err, "setting")
	}
	if err := db.conn(ctx).Where("key = ?", key).Take(&got).Error; err != nil {
		return "", translate(err, "setting")
	}
	return got.Value, nil
}

// RandomKey returns 32 random bytes, base64 encoded.
func RandomKey() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}
