package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"chuangdai/internal/crypt"
)

// sealedTable names the columns of a table that hold sealed personal data;
// key identifies a row. A column's associated data is "table.column".
type sealedTable struct {
	table, key string
	columns    []sealedColumn
}

type sealedColumn struct {
	name string
	// hashed columns are resident ID numbers with a national_id_hash.
	hashed bool
}

// sealedTables are every column that holds a resident ID number or a phone
// number, or text that may carry them (partners, audit details, history
// comments and edits, service notes, the names people give their files). The scan test of the HTTP suite checks that no
// other column does.
var sealedTables = []sealedTable{
	{"users", "id", []sealedColumn{{"phone", false}, {"national_id", true}}},
	{"person_identities", "national_id", []sealedColumn{{"national_id", true}}},
	{"applications", "id", []sealedColumn{{"national_id", true}, {"phone", false}, {"partners", false}}},
	{"application_persons", "id", []sealedColumn{{"national_id", true}}},
	{"loans", "id", []sealedColumn{{"national_id", true}}},
	{"training_records", "id", []sealedColumn{{"national_id", true}}},
	{"incubation_records", "id", []sealedColumn{{"national_id", true}}},
	{"service_records", "id", []sealedColumn{{"national_id", true}, {"notes", false}}},
	{"application_history", "id", []sealedColumn{{"comment", false}, {"changes", false}}},
	{"reconciliation_lines", "id", []sealedColumn{{"national_id", false}}},
	{"audit_events", "id", []sealedColumn{{"before", false}, {"after", false}}},
	{"documents", "id", []sealedColumn{{"filename", false}}},
	{"notifications", "id", []sealedColumn{{"params", false}}},
}

// sealBatch is how many rows one transaction of SealClear or Reseal
// converts.
const sealBatch = 500

// SealClear seals the values an earlier release left in clear (see
// migration 00019) and fills their hashes, in batches of sealBatch rows,
// one transaction each: a start cut off half-way goes on where it stopped.
// With nothing in clear it only reads.
func (db *DB) SealClear(ctx context.Context, log *slog.Logger) error {
	for _, t := range sealedTables {
		var conds []string
		for _, c := range t.columns {
			conds = append(conds, fmt.Sprintf("(%[1]s <> '' AND %[1]s NOT LIKE 'v%%:%%')", quoted(c.name)))
		}
		n, err := db.convert(ctx, t, strings.Join(conds, " OR "), func(column, v string) (string, bool, error) {
			if v == "" || crypt.Sealed(v) {
				return v, false, nil
			}
			s, err := db.keys.Seal(column, v)
			return s, true, err
		})
		if err != nil {
			return fmt.Errorf("seal %s: %w", t.table, err)
		}
		if n > 0 {
			log.Info("personal data sealed", "table", t.table, "rows", n)
		}
	}
	return nil
}

// convert rewrites, in batches in key order, the rows of t that where
// selects, each sealed column through fn (which says whether it changed
// the value); the hash of a changed resident ID number is set with it.
// It returns how many rows it changed.
func (db *DB) convert(ctx context.Context, t sealedTable, where string, fn func(column, v string) (string, bool, error)) (int, error) {
	cols := []string{quoted(t.key)}
	for _, c := range t.columns {
		cols = append(cols, "COALESCE("+quoted(c.name)+", '')")
	}
	query := func(after bool) string {
		w := "(" + where + ")"
		if after {
			w += " AND " + quoted(t.key) + " > ?"
		}
		return "SELECT " + strings.Join(cols, ", ") + " FROM " + t.table + " WHERE " + w + " ORDER BY " + quoted(t.key) + " LIMIT ?"
	}
	total := 0
	var last any
	for {
		n := 0
		err := db.InTx(ctx, func(ctx context.Context) error {
			q := db.conn(ctx).Raw(query(false), sealBatch)
			if last != nil {
				q = db.conn(ctx).Raw(query(true), last, sealBatch)
			}
			rows, err := q.Rows()
			if err != nil {
				return err
			}
			type row struct {
				key  any
				vals []string
			}
			var batch []row
			for rows.Next() {
				r := row{vals: make([]string, len(t.columns))}
				ptrs := []any{&r.key}
				for i := range r.vals {
					ptrs = append(ptrs, &r.vals[i])
				}
				if err := rows.Scan(ptrs...); err != nil {
					_ = rows.Close()
					return err
				}
				batch = append(batch, r)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			for _, r := range batch {
				set := map[string]any{}
				for i, c := range t.columns {
					column := t.table + "." + c.name
					clear, err := db.keys.Open(column, r.vals[i])
					if err != nil {
						return err
					}
					v, changed, err := fn(column, r.vals[i])
					if err != nil {
						return err
					}
					if !changed {
						continue
					}
					set[c.name] = v
					if c.hashed {
						set["national_id_hash"] = nullable(db.hash(clear))
					}
				}
				if len(set) == 0 {
					continue
				}
				if err := db.conn(ctx).Table(t.table).Where(quoted(t.key)+" = ?", r.key).Updates(set).Error; err != nil {
					return err
				}
				total++
			}
			if n = len(batch); n > 0 {
				last = batch[n-1].key
			}
			return nil
		})
		if err != nil {
			return total, translate(err, t.table)
		}
		if n < sealBatch {
			return total, nil
		}
	}
}

// quoted is a column name quoted for both engines ("before" is a keyword).
func quoted(name string) string { return `"` + name + `"` }

// Reseal re-encrypts under the ring's newest key every value sealed under
// an older one, and the lookup key last; hashes do not change (the lookup
// key stays the same). It works in batches of sealBatch rows, so a run cut
// off goes on where it stopped when started again. Once it has finished,
// data_key_ids names the newest key only, and the older keys may leave the
// configuration. It returns how many values it re-encrypted.
func (db *DB) Reseal(ctx context.Context, log *slog.Logger) (int, error) {
	newest := db.keys.Newest()
	prefix := fmt.Sprintf("v%d:", newest)
	total := 0
	for _, t := range sealedTables {
		var conds []string
		for _, c := range t.columns {
			conds = append(conds, fmt.Sprintf("(%[1]s LIKE 'v%%:%%' AND %[1]s NOT LIKE '%[2]s%%')", quoted(c.name), prefix))
		}
		n, err := db.convert(ctx, t, strings.Join(conds, " OR "), func(column, v string) (string, bool, error) {
			if id, sealed := crypt.KeyOf(v); !sealed || id == newest {
				return v, false, nil
			}
			clear, err := db.keys.Open(column, v)
			if err != nil {
				return "", false, err
			}
			s, err := db.keys.Seal(column, clear)
			return s, true, err
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("re-encrypt %s: %w", t.table, err)
		}
		if n > 0 {
			log.Info("personal data re-encrypted", "table", t.table, "rows", n, "key", newest)
		}
	}
	err := db.InTx(ctx, func(ctx context.Context) error {
		const column = "settings." + lookupKeySetting
		var row settingRow
		if err := db.conn(ctx).Where("key = ?", lookupKeySetting).Take(&row).Error; err != nil {
			return err
		}
		if id, _ := crypt.KeyOf(row.Value); id != newest {
			clear, err := db.keys.Open(column, row.Value)
			if err != nil {
				return err
			}
			sealed, err := db.keys.Seal(column, clear)
			if err != nil {
				return err
			}
			if err := db.conn(ctx).Model(&settingRow{}).Where("key = ?", lookupKeySetting).Update("value", sealed).Error; err != nil {
				return err
			}
		}
		return db.setKeyIDs(ctx, []int{newest})
	})
	return total, translate(err, "data keys")
}
