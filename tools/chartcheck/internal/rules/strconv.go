package rules

import (
	"encoding/json"
	"strconv"
)

func itoa(i int) string { return strconv.Itoa(i) }

// jsonMarshal converts YAML-decoded values (maps with string keys) to JSON.
func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
