package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
				return
			}
			if err != nil || !bytes.Equal(copied, doctest.ChromiumPDF) || !strings.Contains(out, "(1 new)") {
				t.Fatalf("copied file: %v; output %q", err, out)
			}
		})
	}
}
