package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"chuangdai/internal/app"
	"chuangdai/internal/config"
	"chuangdai/internal/crypt"
)

const keysUsage = "usage: chuangdai keys new | chuangdai keys rotate"

func keysCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	switch args[0] {
	case "new":
		return keysNew(cfg, stdout)
	case "rotate":
		return keysRotate(ctx, cfg, log, stdout)
	}
	return errors.New(keysUsage)
}

// keysNew makes a data key with the next id. A key file gets it as its
// newest key; keys from the environment are printed for the operator to
// put first in CHUANGDAI_DATA_KEYS.
func keysNew(cfg config.Config, stdout io.Writer) error {
	dbc, err := config.ParseDatabaseURL(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	var keys []crypt.Key
	path, _ := cfg.KeyFile(dbc)
	switch {
	case cfg.DataKeys != "":
		if keys, err = crypt.Parse(cfg.DataKeys); err != nil {
			return err
		}
	case path != "":
		exists, err := crypt.Exists(path)
		if err != nil {
			return err
		}
		if exists {
			if keys, err = crypt.ReadFile(path); err != nil {
				return err
			}
		}
	}
	next := 1
	for _, k := range keys {
		next = max(next, k.ID+1)
	}
	k, err := crypt.Generate(next)
	if err != nil {
		return err
	}
	if cfg.DataKeys != "" || path == "" {
		fmt.Fprintf(stdout, "%s\nput it first in CHUANGDAI_DATA_KEYS (%s), restart every instance, then run chuangdai keys rotate\n",
			k, ringText(append([]crypt.Key{k}, keys...)))
		return nil
	}
	if err := crypt.WriteFile(path, append([]crypt.Key{k}, keys...)); err != nil {
		return fmt.Errorf("write data key file %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "data key %d added to %s; restart the service, then run chuangdai keys rotate\n", next, path)
	return nil
}

// ringText is a ring as CHUANGDAI_DATA_KEYS is written, with the secrets
// elided except the new one's id.
func ringText(keys []crypt.Key) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf("%d:…", k.ID)
	}
	return s
}

// keysRotate re-encrypts everything under the newest configured key.
func keysRotate(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	n, err := a.DB.Reseal(ctx, log)
	if err != nil {
		return fmt.Errorf("keys rotate (run it again to go on): %w", err)
	}
	newest := a.DB.Keys().Newest()
	fmt.Fprintf(stdout, "%d values re-encrypted; everything is under data key %d (fingerprint %s): the older keys may now leave the configuration\n",
		n, newest, a.DB.Keys().Fingerprint(newest))
	return nil
}
