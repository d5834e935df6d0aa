// Package emfspec reads a log line as CloudWatch Logs reads an embedded
// metric format (EMF) document, written from the CloudWatch User Guide's
// "Specification: Embedded metric format" and independent of the producer
// (lambdas/internal/emf), so that a test of the producer's output through it
// checks the producer against the documentation rather than against itself.
//
// DOCUMENTED, what Parse enforces:
//   - the LogEvent message is one JSON object, nothing before or after it;
//   - the root has `_aws`, an object with exactly the members Timestamp (a
//     number: milliseconds since the epoch) and CloudWatchMetrics (an array
//     of MetricDirective objects); "objects defined by this specification
//     MUST NOT contain any additional members";
//   - a MetricDirective has Namespace (a string, 1 to 255 characters),
//     Dimensions (an array of DimensionSet arrays, each of at most 30
//     member names) and Metrics (an array of at most 100 MetricDefinition
//     objects: Name, optional Unit among CloudWatch's units, optional
//     StorageResolution 1 or 60);
//   - every name a directive references is a top-level member ("target
//     members"); a dimension's value is a string (ASCII, 1 to 1024
//     characters, not only whitespace); a metric's value a number or an
//     array of at most 100 numbers.
package emfspec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Units are the CloudWatch units a MetricDefinition may name (the
// StandardUnit values of the CloudWatch API).
var Units = []string{
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
	"Count/Second", "None",
}

// Metric is one metric value a document yields: its namespace, name, unit,
// the dimensions of one dimension set with their values, and the value.
type Metric struct {
	Namespace, Name, Unit string
	Dimensions            map[string]string
	Value                 float64
}

// Key is the metric's identity without its value:
// Namespace/Name[dim=value,…] (dimensions sorted).
func (m Metric) Key() string {
	names := make([]string, 0, len(m.Dimensions))
	for k := range m.Dimensions {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + "=" + m.Dimensions[k]
	}
	return m.Namespace + "/" + m.Name + "[" + strings.Join(parts, ",") + "]"
}

// Document is one parsed EMF document.
type Document struct {
	// Timestamp is _aws.Timestamp (ms since the epoch).
	Timestamp int64
	// Metrics are the metric values the document yields, one per metric
	// definition and dimension set.
	Metrics []Metric
	// Root is every top-level member.
	Root map[string]json.RawMessage
}

// ErrNotEMF is returned for a JSON object without `_aws` (an ordinary log
// line, which CloudWatch stores as a log event only).
var ErrNotEMF = errors.New("emfspec: no _aws member")

// Parse reads one log event message.
func Parse(line []byte) (*Document, error) {
	line = bytes.TrimRight(line, "\r\n")
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var root map[string]json.RawMessage
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("emfspec: not a JSON object: %w", err)
	}
	if dec.More() || dec.InputOffset() != int64(len(line)) {
		return nil, errors.New("emfspec: data after the JSON object")
	}
	rawAWS, ok := root["_aws"]
	if !ok {
		return nil, ErrNotEMF
	}
	var meta map[string]json.RawMessage
	if err := json.Unmarshal(rawAWS, &meta); err != nil {
		return nil, fmt.Errorf("emfspec: _aws is not an object: %w", err)
	}
	if err := onlyMembers(meta, "_aws", "Timestamp", "CloudWatchMetrics"); err != nil {
		return nil, err
	}
	var ts json.Number
	if err := strictNumber(meta["Timestamp"], &ts); err != nil {
		return nil, fmt.Errorf("emfspec: _aws.Timestamp: %w", err)
	}
	ms, err := ts.Int64()
	if err != nil || ms <= 0 {
		return nil, fmt.Errorf("emfspec: _aws.Timestamp: expected milliseconds since the epoch, received %s", ts)
	}
	var directives []map[string]json.RawMessage
	if raw, ok := meta["CloudWatchMetrics"]; !ok || json.Unmarshal(raw, &directives) != nil || directives == nil {
		return nil, errors.New("emfspec: _aws.CloudWatchMetrics: expected an array of MetricDirective objects")
	}
	doc := &Document{Timestamp: ms, Root: root}
	for i, d := range directives {
		ms, err := directive(d, root)
		if err != nil {
			return nil, fmt.Errorf("emfspec: CloudWatchMetrics[%d]: %w", i, err)
		}
		doc.Metrics = append(doc.Metrics, ms...)
	}
	return doc, nil
}

func directive(d map[string]json.RawMessage, root map[string]json.RawMessage) ([]Metric, error) {
	if err := onlyMembers(d, "MetricDirective", "Namespace", "Dimensions", "Metrics"); err != nil {
		return nil, err
	}
	var ns string
	if err := json.Unmarshal(d["Namespace"], &ns); err != nil || ns == "" || len(ns) > 255 {
		return nil, fmt.Errorf("the Namespace: expected a string of 1 to 255 characters, received %s", d["Namespace"])
	}
	var sets [][]string
	if err := json.Unmarshal(d["Dimensions"], &sets); err != nil || sets == nil {
		return nil, fmt.Errorf("the Dimensions: expected an array of DimensionSet arrays, received %s", d["Dimensions"])
	}
	dims := make([]map[string]string, len(sets))
	for i, set := range sets {
		if len(set) > 30 {
			return nil, fmt.Errorf("the Dimensions[%d]: expected at most 30 dimensions, received %d", i, len(set))
		}
		dims[i] = map[string]string{}
		for _, name := range set {
			raw, ok := root[name]
			if !ok {
				return nil, fmt.Errorf("dimension %q: no such top-level member", name)
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, fmt.Errorf("dimension %q: expected a string value, received %s", name, raw)
			}
			if v == "" || len(v) > 1024 || strings.TrimSpace(v) == "" || !ascii(v) {
				return nil, fmt.Errorf("dimension %q: expected 1 to 1024 ASCII characters, received %q", name, v)
			}
			dims[i][name] = v
		}
	}
	var defs []map[string]json.RawMessage
	if err := json.Unmarshal(d["Metrics"], &defs); err != nil || defs == nil || len(defs) > 100 {
		return nil, fmt.Errorf("the Metrics: expected an array of at most 100 MetricDefinition objects, received %s", d["Metrics"])
	}
	var out []Metric
	for _, def := range defs {
		if err := onlyMembers(def, "MetricDefinition", "Name", "Unit", "StorageResolution"); err != nil {
			return nil, err
		}
		var name, unit string
		if err := json.Unmarshal(def["Name"], &name); err != nil || name == "" {
			return nil, fmt.Errorf("MetricDefinition: expected a Name, received %s", def["Name"])
		}
		if raw, ok := def["Unit"]; ok {
			if json.Unmarshal(raw, &unit) != nil || !slices.Contains(Units, unit) {
				return nil, fmt.Errorf("metric %q: expected a CloudWatch unit, received %s", name, raw)
			}
		}
		if raw, ok := def["StorageResolution"]; ok {
			if s := string(raw); s != "1" && s != "60" {
				return nil, fmt.Errorf("metric %q: expected StorageResolution 1 or 60, received %s", name, raw)
			}
		}
		raw, ok := root[name]
		if !ok {
			return nil, fmt.Errorf("metric %q: no such top-level member", name)
		}
		var n json.Number
		if err := strictNumber(raw, &n); err != nil {
			var arr []json.Number
			if json.Unmarshal(raw, &arr) != nil || len(arr) == 0 || len(arr) > 100 {
				return nil, fmt.Errorf("metric %q: expected a number or an array of at most 100 numbers, received %s", name, raw)
			}
			n = arr[0]
		}
		v, _ := n.Float64()
		for _, set := range dims {
			out = append(out, Metric{Namespace: ns, Name: name, Unit: unit, Dimensions: set, Value: v})
		}
	}
	return out, nil
}

func onlyMembers(obj map[string]json.RawMessage, what string, allowed ...string) error {
	for k := range obj {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("%s: expected only %v, received the member %q", what, allowed, k)
		}
	}
	return nil
}

func strictNumber(raw json.RawMessage, n *json.Number) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	num, ok := v.(json.Number)
	if !ok {
		return fmt.Errorf("expected a number, received %s", raw)
	}
	*n = num
	return nil
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Lines parses every EMF document of a process's output (one JSON line
// each); lines that are not JSON objects with `_aws` are skipped, an EMF
// document that breaks the specification is an error.
func Lines(output string) ([]*Document, error) {
	var docs []*Document
	for _, line := range strings.Split(output, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		d, err := Parse([]byte(line))
		if errors.Is(err, ErrNotEMF) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%w in %s", err, line)
		}
		docs = append(docs, d)
	}
	return docs, nil
}
