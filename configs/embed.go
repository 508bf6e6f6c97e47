// Package configs embeds the default policy parameters, so the binary runs
// from any folder; CHUANGDAI_POLICY_FILE points at an operator's own copy.
package configs

import _ "embed"

// Policy is the built-in copy of policy.yaml.
//
//go:embed policy.yaml
var Policy []byte
