package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"gorm.io/gorm"
)

// JobLease is how long a job's lease lasts without renewal: a run whose
// process died is taken over after at most this long.
const JobLease = time.Minute

// takeLease takes the lease of the job named name when nobody holds it or
// its holder stopped renewing it, in a short transaction of its own; ok is
// false while another run holds it. The lease is renewed every third of
// JobLease until release is called. No connection is held in between.
func (db *DB) takeLease(ctx context.Context, name string) (release func(), ok bool, err error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	holder := hex.EncodeToString(b[:])
	now := time.Now().UTC().Truncate(time.Second)
	res := db.conn(ctx).Exec(`INSERT INTO job_runs (name, holder, lease_until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
		WHERE job_runs.lease_until IS NULL OR job_runs.lease_until < ?`, name, holder, now.Add(JobLease), now)
	if res.Error != nil {
		return nil, false, translate(res.Error, "job lease")
	}
	if res.RowsAffected == 0 {
		return nil, false, nil
	}
	renew, stop := context.WithCancel(context.WithoutCancel(ctx))
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(JobLease / 3)
		defer tick.Stop()
		for {
			select {
			case <-renew.Done():
				return
			case <-tick.C:
				// A renewal that fails is tried again at the next tick; a
				// lease that expires meanwhile lets a second run start,
				// which the job's idempotence makes harmless.
				until := time.Now().UTC().Truncate(time.Second).Add(JobLease)
				_ = db.gdb.WithContext(renew).Exec("UPDATE job_runs SET lease_until = ? WHERE name = ? AND holder = ?", until, name, holder).Error
			}
		}
	}()
	return func() {
		stop()
		<-stopped
		// A release that does not reach the database leaves the lease to
		// expire.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = db.gdb.WithContext(rctx).Exec("UPDATE job_runs SET holder = NULL, lease_until = NULL WHERE name = ? AND holder = ?", name, holder).Error
	}, true, nil
}

// JobDone records that a run of the job named name finished for day (a
// re-run of an earlier day leaves a later one recorded).
func (db *DB) JobDone(ctx context.Context, name string, day time.Time) error {
	err := db.conn(ctx).Exec(`INSERT INTO job_runs (name, done_day) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET done_day = excluded.done_day
		WHERE job_runs.done_day IS NULL OR job_runs.done_day < excluded.done_day`, name, day.Format(time.DateOnly)).Error
	return translate(err, "job run")
}

// JobDoneFor reports whether a run of the job named name finished for day
// (or a later day).
func (db *DB) JobDoneFor(ctx context.Context, name string, day time.Time) (bool, error) {
	var row jobRunRow
	err := db.conn(ctx).Where("name = ?", name).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return false, nil
	case err != nil:
		return false, translate(err, "job run")
	}
	return row.DoneDay != nil && *row.DoneDay >= day.Format(time.DateOnly), nil
}

type jobRunRow struct {
	Name    string `gorm:"primaryKey"`
	DoneDay *string
}

func (jobRunRow) TableName() string { return "job_runs" }
