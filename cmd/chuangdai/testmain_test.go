package main

import (
	"os"
	"testing"

	"chuangdai/internal/apptest"
)

// TestMain gives the commands under test the data keys of test apps, which
// PostgreSQL needs (SQLite would make a key file beside each database).
func TestMain(m *testing.M) {
	if os.Getenv("CHUANGDAI_DATA_KEYS") == "" && os.Getenv("CHUANGDAI_DATA_KEY_FILE") == "" {
		_ = os.Setenv("CHUANGDAI_DATA_KEYS", apptest.TestDataKeys)
	}
	os.Exit(m.Run())
}
