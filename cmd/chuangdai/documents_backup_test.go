package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chuangdai/internal/app"
	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
	"chuangdai/internal/document/doctest"
)

// The backup of a database whose documents live in a folder copies the
// files beside it (FILE.files), where a restore finds every file the
// database copy names; with the documents in the database (the default on
// PostgreSQL) the database's backup holds them and no folder is written.
// Either way the restored service reads the document back.
func TestBackupIncludesDocumentFiles(t *testing.T) {
	for _, where := range []string{config.FilesInFolder, config.FilesInDatabase} {
		t.Run(where, func(t *testing.T) {
			dbURL := apptest.DatabaseURL(t)
			dir := filepath.Join(t.TempDir(), "files")
			t.Setenv("CHUANGDAI_DATABASE_URL", dbURL)
			t.Setenv("CHUANGDAI_FILES_STORE", where)
			t.Setenv("CHUANGDAI_FILES_DIR", dir)
			cfg, err := config.Load(os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			a, err := app.Open(context.Background(), cfg, apptest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256(doctest.ChromiumPDF)
			sum := hex.EncodeToString(h[:])
			if err := a.Files.Put(context.Background(), sum, doctest.ChromiumPDF); err != nil {
				t.Fatal(err)
			}
			_ = a.Close()

			file := filepath.Join(t.TempDir(), "backup.bin")
			out, err := runCLI(t, "", "backup", "--to", file)
			if err != nil {
				t.Fatalf("backup: %q, %v", out, err)
			}
			copied, err := os.ReadFile(filepath.Join(file+".files", sum[:2], sum[2:4], sum))
			if where == config.FilesInDatabase {
				if err == nil || strings.Contains(out, "document files") {
					t.Fatalf("a folder was written for documents in the database: %q", out)
				}
			} else if err != nil || !bytes.Equal(copied, doctest.ChromiumPDF) || !strings.Contains(out, "(1 new)") {
				t.Fatalf("copied file: %v; output %q", err, out)
			}

			// Restored as README's Backup and restore says: the database into
			// a new one, the folder (with the files store) as the files folder;
			// the document's content reads back from the restored service.
			t.Setenv("CHUANGDAI_DATABASE_URL", apptest.DatabaseURL(t))
			restoredDir := filepath.Join(t.TempDir(), "restored")
			if where == config.FilesInFolder {
				restoredDir = file + ".files"
			}
			t.Setenv("CHUANGDAI_FILES_DIR", restoredDir)
			if out, err := runCLI(t, "", "restore", "--from", file); err != nil {
				t.Fatalf("restore: %q, %v", out, err)
			}
			cfg, err = config.Load(os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			a, err = app.Open(context.Background(), cfg, apptest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			r, err := a.Files.Open(context.Background(), sum)
			if err != nil {
				t.Fatalf("the restored service has no content %s: %v", sum, err)
			}
			defer r.Close()
			if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, doctest.ChromiumPDF) {
				t.Fatalf("restored content: %d bytes, %v", len(got), err)
			}
		})
	}
}
