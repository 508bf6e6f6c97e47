package crypt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReadFile reads a key file: key ring entries, newest first, one a line.
// The file must be readable by its owner only (0600 or 0400), as the keys
// open every resident ID number and phone number in the database.
func ReadFile(path string) ([]Key, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("data key file %s is readable by others (mode %04o): chmod 600 %s", path, st.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("data key file %s: %w", path, err)
	}
	return keys, nil
}

// WriteFile writes keys to path (mode 0600), replacing it in one step so a
// crash leaves either the old file or the new one.
func WriteFile(path string, keys []Key) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keys-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	text := "# chuangdai data keys, newest first. Back this file up apart from the database:\n# without it the database's resident ID numbers and phone numbers cannot be read.\n" + Format(keys)
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(text); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Exists reports whether the key file at path exists.
func Exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
