package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"chuangdai/internal/apptest"
	"chuangdai/internal/config"
)

// A burst of 200 money requests on a pool of two connections: every one
// answers (201, a clean 409 while its key is busy, or 503 when no
// connection came free in time) instead of the pool wedging, and each
// acknowledged repayment is in the database exactly once; reads sent
// meanwhile answer as well. Retrying the unacknowledged ones with their
// keys then records each of them once too.
func TestMoneyBurstOnASmallPool(t *testing.T) {
	c := newCastOn(apptest.NewServerWith(t, func(cfg *config.Config) { cfg.DBMaxOpenConns = 2 }))
	l := c.loan(t)
	url := c.s.URL + "/api/v1/loans/" + jsonID(l["id"]) + "/repayments"
	const keys, requests = 160, 200
	body := func(k int) []byte {
		b, _ := json.Marshal(repayment("1.00", "0.00", "2024-06-20", fmt.Sprintf("BURST-%03d", k)))
		return b
	}
	// The bound on every answer: a wedged pool never answers at all.
	client := &http.Client{Timeout: 2 * time.Minute}
	post := func(k int) (int, []byte, error) {
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body(k)))
		req.Header.Set("Authorization", "Bearer "+c.bank)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("burst-%03d", k))
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	var mu sync.Mutex
	acked := map[int][]byte{}
	var wg sync.WaitGroup
	for i := range requests {
		k := i % keys // the last 40 repeat a key already sent
		wg.Go(func() {
			status, b, err := post(k)
			if err != nil {
				t.Errorf("request %d got no answer: %v", i, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			switch status {
			case 201:
				if first, ok := acked[k]; ok && !bytes.Equal(first, b) {
					t.Errorf("key %d answered twice differently", k)
				}
				acked[k] = b
			case 409, 503:
				var p struct{ Code string }
				if json.Unmarshal(b, &p) != nil || (status == 409 && p.Code != "conflict") || (status == 503 && p.Code != "unavailable") {
					t.Errorf("request %d: %d %s", i, status, b)
				}
			default:
				t.Errorf("request %d: %d %s", i, status, b)
			}
		})
	}
	// Reads during the burst answer too (the wedged pool hung GET /loans).
	for i := range 20 {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", c.s.URL+"/api/v1/loans/"+jsonID(l["id"]), nil)
			req.Header.Set("Authorization", "Bearer "+c.bank)
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("read %d during the burst got no answer: %v", i, err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 && resp.StatusCode != 503 {
				t.Errorf("read %d during the burst: %d", i, resp.StatusCode)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	refs := func() map[string]int {
		rows, err := c.s.App.DB.SQL().Query("SELECT bank_reference FROM loan_repayments WHERE loan_id = " + jsonID(l["id"]))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]int{}
		for rows.Next() {
			var ref string
			if err := rows.Scan(&ref); err != nil {
				t.Fatal(err)
			}
			got[ref]++
		}
		return got
	}
	got := refs()
	for k := range acked {
		if n := got[fmt.Sprintf("BURST-%03d", k)]; n != 1 {
			t.Errorf("acknowledged repayment %d is in the database %d times", k, n)
		}
	}
	t.Logf("%d of %d keys acknowledged in the burst, %d repayments recorded", len(acked), keys, len(got))
	for k := range keys {
		if _, ok := acked[k]; ok {
			continue
		}
		if status, b, err := post(k); err != nil || status != 201 {
			t.Fatalf("retry of key %d: %d %s %v", k, status, b, err)
		}
	}
	got = refs()
	if len(got) != keys {
		t.Errorf("%d repayments recorded for %d keys", len(got), keys)
	}
	for ref, n := range got {
		if n != 1 {
			t.Errorf("%s recorded %d times", ref, n)
		}
	}
	loan := c.s.Do("GET", "/api/v1/loans/"+jsonID(l["id"]), c.bank, nil).Want(200).JSON()
	if want := fmt.Sprintf("%d.00", 200000-keys); loan["outstanding_principal"] != want {
		t.Errorf("outstanding %v, want %s", loan["outstanding_principal"], want)
	}
}
