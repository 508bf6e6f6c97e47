// Package filestore keeps document contents as files in a folder, named by
// their SHA-256 (CHUANGDAI_FILES_DIR): written once, to a temporary name
// first and then renamed, so a reader never sees half a file, and never
// changed. It serves one instance, or several that share the folder.
package filestore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"chuangdai/internal/apperr"
)

// Dir is a folder of contents.
type Dir struct{ Root string }

// path is where the content sum lives: two levels of folders by its first
// hex digits, so no folder holds millions of files.
func (d Dir) path(sum string) (string, error) {
	if b, err := hex.DecodeString(sum); err != nil || len(b) != 32 {
		return "", fmt.Errorf("file store: %q is not a SHA-256", sum)
	}
	return filepath.Join(d.Root, sum[:2], sum[2:4], sum), nil
}

// Put writes content under sum unless it is there already.
func (d Dir) Put(_ context.Context, sum string, content []byte) error {
	p, err := d.path(sum)
	if err != nil {
		return apperr.Wrap(err, "store file")
	}
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return apperr.Wrap(err, "store file")
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return apperr.Wrap(err, "store file")
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // nothing left after the rename
	if _, err := tmp.Write(content); err != nil {
		_ = tmp.Close()
		return apperr.Wrap(err, "store file")
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return apperr.Wrap(err, "store file")
	}
	if err := tmp.Close(); err != nil {
		return apperr.Wrap(err, "store file")
	}
	if err := os.Chmod(tmp.Name(), 0o440); err != nil {
		return apperr.Wrap(err, "store file")
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return apperr.Wrap(err, "store file")
	}
	return nil
}

// Open reads the content sum.
func (d Dir) Open(_ context.Context, sum string) (io.ReadCloser, error) {
	p, err := d.path(sum)
	if err != nil {
		return nil, apperr.Wrap(err, "open file")
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, apperr.Wrap(fmt.Errorf("the file store %s has no file %s (was it restored with the database?): %w", d.Root, sum, err), "open file")
	}
	return f, nil
}

// CopyTo copies every content into the folder dst (a backup), skipping
// those it holds already; it returns how many it copied. Contents never
// change, so a copy made after the database's is complete for it.
func (d Dir) CopyTo(dst string) (int, error) {
	copied := 0
	err := filepath.WalkDir(d.Root, func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == d.Root {
			return filepath.SkipDir
		}
		if err != nil || e.IsDir() || filepath.Base(p)[0] == '.' {
			return err
		}
		rel, err := filepath.Rel(d.Root, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		if _, err := os.Stat(to); err == nil {
			return nil
		}
		if err := copyFile(p, to); err != nil {
			return err
		}
		copied++
		return nil
	})
	return copied, err
}

func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o440)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
