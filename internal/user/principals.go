package user

import (
	"sync"
	"time"

	"chuangdai/internal/auth"
)

// PrincipalTTL is the longest a signed-in caller's principal (session,
// account, roles, persons) is served from memory. Within it the store's
// generation decides: a change to a session, an account, a role binding or
// an identity committed anywhere moves it on within store.PrincipalPoll (a
// second), here at once, and every principal kept before is read again.
const PrincipalTTL = 2 * time.Second

// maxPrincipals is how many principals the cache holds before it drops
// those past PrincipalTTL.
const maxPrincipals = 10_000

// kept is a principal as read from the database, with what its checks on
// every request need: the session's lifetime and idle clock, and when the
// password was set.
type kept struct {
	gen       uint64
	read      time.Time
	session   Session
	principal auth.Principal
	changedAt time.Time
}

// principals is the cache of principals by session id.
type principals struct {
	mu   sync.RWMutex
	byID map[string]kept
}

// get returns the principal of session id read under generation gen, if
// it is younger than PrincipalTTL.
func (c *principals) get(id string, gen uint64) (kept, bool) {
	c.mu.RLock()
	k, ok := c.byID[id]
	c.mu.RUnlock()
	return k, ok && k.gen == gen && time.Since(k.read) < PrincipalTTL
}

// put keeps k for session id.
func (c *principals) put(id string, k kept) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil || len(c.byID) >= maxPrincipals {
		fresh := make(map[string]kept, len(c.byID))
		for i, v := range c.byID {
			if v.gen == k.gen && time.Since(v.read) < PrincipalTTL {
				fresh[i] = v
			}
		}
		if len(fresh) >= maxPrincipals {
			fresh = map[string]kept{}
		}
		c.byID = fresh
	}
	c.byID[id] = k
}

// seen moves the idle clock of the kept session id to at, after the
// session row was touched.
func (c *principals) seen(id string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.byID[id]; ok {
		k.session.LastSeenAt = at
		c.byID[id] = k
	}
}
