package store

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"chuangdai/internal/crypt"
)

// The settings that tie a database to its data keys. The lookup key (of
// the keyed hashes) is random per database and kept sealed under a data
// key, so a rotation re-seals it and no hash or unique index changes.
// data_key_ids lists the data keys that may have sealed a value; each must
// be configured, or the instance does not start.
const (
	lookupKeySetting = "data_lookup_key"
	keyIDsSetting    = "data_key_ids"
)

// ErrNoDataKey means the configured data keys cannot open this database's
// personal data.
var ErrNoDataKey = errors.New("the configured data keys cannot open this database's resident ID numbers and phone numbers")

// HasSealedData reports whether the database already keeps data sealed
// under a data key (its lookup key is there).
func (db *DB) HasSealedData(ctx context.Context) (bool, error) {
	var n int64
	err := db.conn(ctx).Model(&settingRow{}).Where("key = ?", lookupKeySetting).Count(&n).Error
	return n > 0, translate(err, "data keys")
}

// UseKeys makes the stores seal personal data with ring. It opens the
// database's lookup key (creating it on a fresh database) and checks that
// every data key that may have sealed a value is in the ring.
func (db *DB) UseKeys(ctx context.Context, ring *crypt.Ring) error {
	const column = "settings." + lookupKeySetting
	sealed, err := db.Setting(ctx, lookupKeySetting, func() string {
		k, err := crypt.Generate(1)
		if err != nil {
			return ""
		}
		s, _ := ring.Seal(column, base64.StdEncoding.EncodeToString(k.Secret))
		return s
	})
	if err != nil {
		return err
	}
	if !crypt.Sealed(sealed) {
		return fmt.Errorf("the database's lookup key is not sealed: %w", ErrNoDataKey)
	}
	plain, err := ring.Open(column, sealed)
	if err != nil {
		return fmt.Errorf("%w: %v; configure the key that was in use (CHUANGDAI_DATA_KEYS or CHUANGDAI_DATA_KEY_FILE, restored from the key backup)", ErrNoDataKey, err)
	}
	lookup, err := base64.StdEncoding.DecodeString(plain)
	if err != nil || len(lookup) != crypt.KeySize {
		return fmt.Errorf("the database's lookup key is damaged: %w", ErrNoDataKey)
	}
	ids, err := db.keyIDs(ctx)
	if err != nil {
		return err
	}
	id, _ := crypt.KeyOf(sealed)
	var missing []string
	for _, k := range append(ids, id) {
		if !ring.Has(k) {
			missing = append(missing, strconv.Itoa(k))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: data may be sealed under key %s, which is not configured; add it back (the keys of a completed `chuangdai keys rotate` are the only ones that may go)",
			ErrNoDataKey, strings.Join(missing, ", "))
	}
	db.keys = ring.WithLookup(lookup)
	if !slices.Contains(ids, ring.Newest()) {
		if err := db.setKeyIDs(ctx, append([]int{ring.Newest()}, ids...)); err != nil && !readOnly(err) {
			return err
		}
	}
	return nil
}

// keyIDs are the data keys that may have sealed a value, newest first.
func (db *DB) keyIDs(ctx context.Context) ([]int, error) {
	var rows []settingRow
	if err := db.conn(ctx).Where("key = ?", keyIDsSetting).Find(&rows).Error; err != nil {
		return nil, translate(err, "data keys")
	}
	var ids []int
	for _, r := range rows {
		for _, f := range strings.Split(r.Value, ",") {
			if id, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

func (db *DB) setKeyIDs(ctx context.Context, ids []int) error {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	row := settingRow{Key: keyIDsSetting, Value: strings.Join(parts, ","), CreatedAt: time.Now().UTC()}
	return db.conn(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoUpdates: clause.AssignmentColumns([]string{"value"})}).
		Create(&row).Error
}

// Keys is the ring the stores seal with (nil before UseKeys).
func (db *DB) Keys() *crypt.Ring { return db.keys }

// seal encrypts a personal value for column.
func (db *DB) seal(column, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	if db.keys == nil {
		return "", errors.New("store: personal data written before UseKeys")
	}
	s, err := db.keys.Seal(column, plain)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", column, err)
	}
	return s, nil
}

// open decrypts what seal wrote for column.
func (db *DB) open(column, stored string) (string, error) {
	if !crypt.Sealed(stored) {
		return stored, nil
	}
	if db.keys == nil {
		return "", errors.New("store: personal data read before UseKeys")
	}
	return db.keys.Open(column, stored)
}

// hash is the lookup hash of a resident ID number ("" for none).
func (db *DB) hash(nationalID string) string {
	if crypt.NormalID(nationalID) == "" {
		return ""
	}
	return db.keys.Hash(nationalID)
}
