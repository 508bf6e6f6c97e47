package apptest

import (
	"database/sql"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// CPU measures, for a benchmark, the CPU time this process and the
// PostgreSQL backends of a database spend: on 2 cores the service, the
// database and a load generator share the CPU, so the time of either
// counts, not only the wall time of a request.
type CPU struct {
	backends []int
	proc     time.Duration
	pg       time.Duration
}

// StartCPU starts measuring the CPU of this process and of the backends
// connected to db's database now (none on SQLite).
func StartCPU(db *sql.DB) *CPU {
	c := &CPU{}
	if Engine() == "postgres" {
		if rows, err := db.Query("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"); err == nil {
			for rows.Next() {
				var pid int
				if rows.Scan(&pid) == nil {
					c.backends = append(c.backends, pid)
				}
			}
			rows.Close()
		}
	}
	c.proc, c.pg = processCPU(), backendsCPU(c.backends)
	return c
}

// Report reports the CPU spent since StartCPU per operation of b: the
// process's as go-cpu-µs/op, the backends' as pg-cpu-µs/op (PostgreSQL).
func (c *CPU) Report(b *testing.B) {
	n := float64(b.N)
	b.ReportMetric(float64((processCPU()-c.proc).Microseconds())/n, "go-cpu-µs/op")
	if c.backends != nil {
		b.ReportMetric(float64((backendsCPU(c.backends)-c.pg).Microseconds())/n, "pg-cpu-µs/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendsCPU is the user and system time of the processes pids, as
// /proc/PID/stat counts it (clock ticks of 10 ms).
func backendsCPU(pids []int) time.Duration {
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		k, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + k
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
