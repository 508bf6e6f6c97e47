// Command chuangdai runs the entrepreneurship guarantee loan service and its
// operator tools: serve, migrate, user create, seed demo.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"chuangdai/internal/app"
	"chuangdai/internal/config"
	"chuangdai/internal/demo"
	"chuangdai/internal/filestore"
	"chuangdai/internal/httpapi"
	"chuangdai/internal/user"
)

const usage = `chuangdai — entrepreneurship guarantee loans (创业担保贷款)

Usage:
  chuangdai [serve]                 apply pending migrations, then serve HTTP on CHUANGDAI_ADDR
  chuangdai migrate                 apply pending migrations and exit
  chuangdai user create --username U --role R [--district CODE] [--bank CODE] [--name N] --password-stdin
  chuangdai seed demo [--if-empty] [--credentials-file F]
                                    load the demo data set into an empty database
  chuangdai backup --to FILE        online backup: a SQLite copy, or a pg_dump custom-format file,
                                    and the document files into FILE.files when they are in a folder
  chuangdai restore --from FILE     put a backup in place (service stopped; PostgreSQL: into an
                                    empty database), migrate it and verify its audit chain
  chuangdai jobs run-daily [--date YYYY-MM-DD]
                                    mark overdue loans as of the day (default today); safe to re-run
  chuangdai keys new                add a data key (the newest seals from the next start): to the key
                                    file, or printed for CHUANGDAI_DATA_KEYS
  chuangdai keys rotate             re-encrypt every value under the newest data key (resumable)
  chuangdai openapi                 print the OpenAPI document the server serves at /api/openapi.json

Configuration comes from CHUANGDAI_* environment variables and an optional
YAML file named by CHUANGDAI_CONFIG; see configs/config.example.yaml.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chuangdai:", oneLine(err))
		os.Exit(1)
	}
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(stderr, cfg.LogLevel)
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd != "serve" {
		// A command does one thing at a time: two connections leave the
		// serving instances their share of the database's connections.
		cfg.DBMaxOpenConns = min(cfg.DBMaxOpenConns, 2)
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		a, err := app.Open(ctx, cfg, log)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations applied")
		return a.Close()
	case "user":
		if len(args) == 0 || args[0] != "create" {
			return errors.New("usage: chuangdai user create --username U --role R [--district CODE] [--bank CODE] [--name N] --password-stdin")
		}
		return userCreate(ctx, cfg, log, args[1:], stdin, stdout)
	case "seed":
		if len(args) == 0 || args[0] != "demo" {
			return errors.New("usage: chuangdai seed demo [--if-empty] [--credentials-file F]")
		}
		return seedDemo(ctx, cfg, log, args[1:], stdout)
	case "backup":
		return backup(ctx, cfg, log, args, stdout)
	case "restore":
		return restore(ctx, cfg, log, args, stdout)
	case "jobs":
		return jobs(ctx, cfg, log, args, stdout)
	case "keys":
		return keysCmd(ctx, cfg, log, args, stdout)
	case "openapi":
		_, err := stdout.Write(httpapi.Document())
		return err
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q: run chuangdai help", cmd)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	log.Info("starting", "config", cfg)
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Serve(ctx)
}

func userCreate(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var in user.CreateInput
	fs.StringVar(&in.Username, "username", "", "user name")
	fs.StringVar(&in.Role, "role", "", "role")
	fs.StringVar(&in.DistrictCode, "district", "", "district code")
	fs.StringVar(&in.BankCode, "bank", "", "bank code")
	fs.StringVar(&in.Name, "name", "", "display name")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("user create: %v", err)
	}
	if !*fromStdin {
		return errors.New("user create: pass --password-stdin and write the password on standard input (it is never taken from the command line)")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("user create: read password: %w", err)
	}
	in.Password = strings.TrimRight(line, "\r\n")
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Users.CreateFromCLI(ctx, in)
	if err != nil {
		return fmt.Errorf("user create: %s", describe(err))
	}
	fmt.Fprintf(stdout, "created user %s (id %d) with role %s\n", u.Username, u.ID, in.Role)
	return nil
}

func backup(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	to := fs.String("to", "", "the backup file to write")
	if err := fs.Parse(args); err != nil || *to == "" {
		return errors.New("usage: chuangdai backup --to FILE")
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	dbc, _ := config.ParseDatabaseURL(cfg.DatabaseURL)
	if err := a.DB.Backup(ctx, dbc, *to); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "backup written to", *to)
	// Document files in a folder go beside the database's copy, taken after
	// it: a file never changes, so every file the copy names is there.
	if cfg.DocumentStore(dbc.Engine) == config.FilesInFolder {
		n, err := filestore.Dir{Root: cfg.FilesDir}.CopyTo(*to + ".files")
		if err != nil {
			return fmt.Errorf("backup of the document files: %w", err)
		}
		fmt.Fprintf(stdout, "document files copied to %s.files (%d new)\n", *to, n)
	}
	return nil
}

func restore(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	from := fs.String("from", "", "the backup file to restore")
	if err := fs.Parse(args); err != nil || *from == "" {
		return errors.New("usage: chuangdai restore --from FILE (stop the service first; on PostgreSQL restore into an empty database)")
	}
	replaced, err := app.Restore(ctx, cfg, *from)
	if err != nil {
		return err
	}
	if replaced != "" {
		fmt.Fprintln(stdout, "the database that was in place is kept as", replaced)
	}
	// The restored database is migrated as serve would, and its audit
	// chain checked.
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("restored, but it does not open: %w", err)
	}
	defer a.Close()
	res, err := a.AuditSv.VerifyChain(ctx)
	if err != nil {
		return fmt.Errorf("restored, but the audit chain could not be read: %s", describe(err))
	}
	if !res.OK {
		return fmt.Errorf("restored, but the audit chain is broken at event %d: %s", res.BadID, res.Problem)
	}
	fmt.Fprintf(stdout, "restored from %s; audit chain verified (%d events)\n", *from, res.Events)
	return nil
}

func seedDemo(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("seed demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	ifEmpty := fs.Bool("if-empty", false, "do nothing (successfully) when the database already has users")
	credFile := fs.String("credentials-file", "", "also write the sign-ins to this file (mode 0600)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("seed demo: %v", err)
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	var out io.Writer = stdout
	var buf strings.Builder
	if *credFile != "" {
		out = io.MultiWriter(stdout, &buf)
	}
	_, err = demo.Seed(ctx, a, out)
	if errors.Is(err, demo.ErrNotEmpty) && *ifEmpty {
		msg := "demo data already loaded (the database has users)"
		if *credFile != "" {
			msg += "; the demo sign-ins are in " + *credFile
		}
		fmt.Fprintln(stdout, msg)
		return nil
	}
	if err != nil {
		return fmt.Errorf("seed demo: %s", describe(err))
	}
	if *credFile != "" {
		if err := os.WriteFile(*credFile, []byte(buf.String()), 0o600); err != nil {
			return fmt.Errorf("seed demo: write %s: %w", *credFile, err)
		}
	}
	return nil
}
