// Package emf turns a handler's one decision line into a CloudWatch
// embedded metric format (EMF) document, the one place where the `_aws`
// member is written. CloudWatch Logs extracts the metrics from the line the
// handler writes anyway: no PutMetricData, no extra call, no extra line.
//
// DOCUMENTED (CloudWatch User Guide, "Specification: Embedded metric
// format"): the root node holds an `_aws` metadata object with Timestamp
// (milliseconds since the epoch) and CloudWatchMetrics, an array of metric
// directives {Namespace, Dimensions: [[dimension member names]], Metrics:
// [{Name, Unit}]}; every name a directive references is a top-level member
// of the root, dimension values strings, metric values numbers. Other
// members are allowed (the line's own reason, user reference, …): only the
// referenced ones become metrics or dimensions.
//
// The metric and dimension names are lambdas/contract's Metric… and
// Dimension… constants, which the alarms of constructs/monitoring use too.
package emf

import (
	"log/slog"
	"os"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Metadata is the `_aws` member.
type Metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []Directive `json:"CloudWatchMetrics"`
}

// Directive is one MetricDirective.
type Directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []Definition `json:"Metrics"`
}

// Definition is one MetricDefinition.
type Definition struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// Directives are the two directives of every decision line: the count per
// function, handler and reason; and the faults and the duration per
// function (the unit Cognito's 5 s budget applies to). Two directives, not
// one directive with two dimension sets, so that no duration series exists
// per reason (each series is a custom metric that costs).
var Directives = []Directive{
	{
		Namespace:  contract.MetricNamespace,
		Dimensions: [][]string{{contract.DimensionFunction, contract.DimensionHandler, contract.DimensionReason}},
		Metrics:    []Definition{{Name: contract.MetricDecisions, Unit: contract.UnitCount}},
	},
	{
		Namespace:  contract.MetricNamespace,
		Dimensions: [][]string{{contract.DimensionFunction}},
		Metrics: []Definition{
			{Name: contract.MetricFaults, Unit: contract.UnitCount},
			{Name: contract.MetricDuration, Unit: contract.UnitMilliseconds},
		},
	},
}

// MaxDimensionValue bounds a dimension value; longer or non-printable
// values are replaced (reason codes and handler names are short constants,
// so this only guards against a mistake turning into a rejected document).
const MaxDimensionValue = 64

// function is the Function dimension: the Lambda function's name, set by
// the Lambda runtime; "local" outside Lambda.
var function = dimensionValue(os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), "local", 256)

// Decision returns the members that make a decision line an EMF document:
// `_aws`, the dimension values (Function, Handler, Reason) and the metric
// values (Decisions 1, Faults 0 or 1, Duration in ms since start). A
// decision is a fault when its level is slog.LevelError or above, or
// contract.FaultReason(reason). Append them to the line's attributes.
func Decision(handler, reason string, level slog.Level, start time.Time) []slog.Attr {
	return decision(handler, reason, level, time.Since(start), time.Now())
}

// Attr is Decision as one attribute: a group with an empty key, which
// log/slog handlers inline ("If a group's key is empty, inline the group's
// Attrs"), for call sites that list their attributes.
func Attr(handler, reason string, level slog.Level, start time.Time) slog.Attr {
	return slog.Attr{Value: slog.GroupValue(Decision(handler, reason, level, start)...)}
}

// Level is a decision line's level: error when the handler failed (the
// line then counts as a fault), warn when it refused, info otherwise. The
// handlers' conditions differ; the order and the three levels are the
// same everywhere.
func Level(failed, refused bool) slog.Level {
	switch {
	case failed:
		return slog.LevelError
	case refused:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

func decision(handler, reason string, level slog.Level, d time.Duration, now time.Time) []slog.Attr {
	fault := 0
	if level >= slog.LevelError || contract.FaultReason(reason) {
		fault = 1
	}
	return []slog.Attr{
		slog.Any("_aws", Metadata{Timestamp: now.UnixMilli(), CloudWatchMetrics: Directives}),
		slog.String(contract.DimensionFunction, function),
		slog.String(contract.DimensionHandler, dimensionValue(handler, "unknown", MaxDimensionValue)),
		slog.String(contract.DimensionReason, dimensionValue(reason, "none", MaxDimensionValue)),
		slog.Int(contract.MetricDecisions, 1),
		slog.Int(contract.MetricFaults, fault),
		slog.Float64(contract.MetricDuration, float64(d.Microseconds())/1000),
	}
}

// dimensionValue is v when it is 1 to max printable ASCII characters, else
// fallback (CloudWatch: "Dimension values must contain only ASCII
// characters and must include at least one non-whitespace character").
func dimensionValue(v, fallback string, max int) string {
	if v == "" || len(v) > max {
		return fallback
	}
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] >= 0x7f {
			return fallback
		}
	}
	return v
}
