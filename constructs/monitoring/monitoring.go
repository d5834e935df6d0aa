// Package monitoring watches what the cognitobridge constructs of a stack
// decide: CloudWatch alarms with documented defaults and a dashboard, over
// the metrics every handler emits in its one decision log line (the
// embedded metric format: lambdas/contract's Metric… and Dimension…
// names, which this package uses too), Lambda's own errors, and the
// DynamoDB throttles of the constructs' tables.
//
// One construct rather than an option of each capability: a pool usually
// combines several capabilities (a step-up, a pre token generation shared
// with assurance, connect, proofing, a transaction API), and an operator
// wants one topic, one dashboard and one set of thresholds for all of them.
// Create it last in the stack (after every construct it watches): it finds
// the functions and tables of the constructs in its Scope by their node
// metadata (contract.MetadataHandlerCommand, contract.MetadataTable).
//
// Alarms (each notifies Topic):
//   - per function, Faults: Lambda's Errors (crashes, timeouts) plus the
//     decisions that were failures of the system (contract.MetricFaults: a
//     table, the provider, a secret or a parameter unavailable, an internal
//     error, a deadline): at least FaultThreshold in one Period. The guard
//     fails closed, so this is the alarm that fires when protected users
//     cannot sign in because a dependency is down;
//   - per function, Duration: the p99 of the decisions' duration
//     (contract.MetricDuration) at least DurationThresholdMs in one Period,
//     near Cognito's fixed 5 s trigger budget;
//   - per watched refusal (contract.WatchedRefusals: enrollment_mismatch,
//     auth_stale, binding_mismatch of the step-up Verify; binding_missing,
//     record_other_client of the guard) on each function that decides it:
//     at least RefusalThreshold in one Period (attacks or a broken client);
//   - per table, Throttles: ReadThrottleEvents + WriteThrottleEvents at
//     least ThrottleThreshold in one Period.
//
// Missing data is not breaching (a quiet pool is a healthy one).
package monitoring

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Defaults of MonitoringProps.
const (
	DefaultPeriodMinutes       = 5
	DefaultRefusalThreshold    = 10
	DefaultFaultThreshold      = 1
	DefaultDurationThresholdMs = 4000
	DefaultThrottleThreshold   = 1
)

// MonitoringProps configures the alarms and the dashboard.
type MonitoringProps struct {
	// The construct whose cognitobridge functions and tables are watched.
	// Default: the stack that contains the Monitoring.
	Scope constructs.IConstruct
	// The topic every alarm notifies. A given topic's policy (and its key's,
	// when encrypted) must let cloudwatch.amazonaws.com publish.
	// Default: a created topic, encrypted with a created customer managed
	// key (rotated yearly; CloudWatch cannot use the AWS managed key
	// alias/aws/sns), whose policy refuses requests without TLS and lets
	// this account's CloudWatch alarms publish.
	Topic awssns.ITopic
	// The period of every alarm and dashboard graph, whole minutes from 1
	// to 60.
	// Default: DefaultPeriodMinutes minutes.
	Period awscdk.Duration
	// A watched refusal alarms at this many in one Period.
	// Default: DefaultRefusalThreshold.
	RefusalThreshold *float64
	// A function alarms at this many errors and faults in one Period.
	// Default: DefaultFaultThreshold.
	FaultThreshold *float64
	// A function alarms when the p99 of its decisions' duration reaches
	// this many milliseconds in one Period, 1 to 30000.
	// Default: DefaultDurationThresholdMs (Cognito gives a trigger 5 s).
	DurationThresholdMs *float64
	// A table alarms at this many throttled reads and writes in one Period.
	// Default: DefaultThrottleThreshold.
	ThrottleThreshold *float64
	// The dashboard's name.
	// Default: - a name CloudFormation generates.
	DashboardName *string
}

// validate reports every problem of the props at once.
func (p *MonitoringProps) validate() error {
	var errs []error
	positive := func(name string, v *float64) {
		if v != nil && !propcheck.IsTokenNumber(*v) && !(*v > 0) {
			errs = append(errs, fmt.Errorf("expected %s above 0, received %v", name, *v))
		}
	}
	positive("RefusalThreshold", p.RefusalThreshold)
	positive("FaultThreshold", p.FaultThreshold)
	positive("ThrottleThreshold", p.ThrottleThreshold)
	if v := p.DurationThresholdMs; v != nil && !propcheck.IsTokenNumber(*v) && (*v < 1 || *v > 30000) {
		errs = append(errs, fmt.Errorf("expected DurationThresholdMs from 1 to 30000, received %v", *v))
	}
	if p.Period != nil && !propcheck.IsTokenNumber(*p.Period.ToSeconds(nil)) {
		if s := *p.Period.ToSeconds(nil); s < 60 || s > 3600 || int(s)%60 != 0 {
			errs = append(errs, fmt.Errorf("expected a Period of whole minutes from 1 to 60, received %v s", s))
		}
	}
	return errors.Join(errs...)
}

// Monitoring is the alarms, the dashboard and the topic.
type Monitoring interface {
	constructs.Construct
	// Topic is the given or created topic the alarms notify.
	Topic() awssns.ITopic
	// Alarms are every alarm, in creation order.
	Alarms() []awscloudwatch.Alarm
	// Dashboard is the created dashboard.
	Dashboard() awscloudwatch.Dashboard
}

type monitoring struct {
	constructs.Construct
	topic     awssns.ITopic
	alarms    []awscloudwatch.Alarm
	dashboard awscloudwatch.Dashboard
}

func (m *monitoring) Topic() awssns.ITopic               { return m.topic }
func (m *monitoring) Alarms() []awscloudwatch.Alarm      { return m.alarms }
func (m *monitoring) Dashboard() awscloudwatch.Dashboard { return m.dashboard }

// watched is one function of the constructs and its handler command.
type watched struct {
	fn      awslambda.IFunction
	command string
	id      string // construct-path-derived id prefix
}

// NewMonitoring creates the alarms and the dashboard for the cognitobridge
// functions and tables in props.Scope. It panics with a descriptive message
// when props are invalid or the scope holds none.
func NewMonitoring(scope constructs.Construct, id *string, props *MonitoringProps) Monitoring {
	if props == nil {
		props = &MonitoringProps{}
	}
	if err := props.validate(); err != nil {
		panic("monitoring: " + err.Error())
	}
	var root constructs.IConstruct = props.Scope
	if root == nil {
		root = awscdk.Stack_Of(scope)
	}
	fns, tables := find(root)
	if len(fns) == 0 {
		panic(fmt.Sprintf("monitoring: expected cognitobridge functions in %s, received none (create the Monitoring after the constructs it watches)", *root.Node().Path()))
	}

	this := constructs.NewConstruct(scope, id)
	m := &monitoring{Construct: this, topic: props.Topic}
	if m.topic == nil {
		m.topic = newTopic(this)
	}
	period := props.Period
	if period == nil {
		period = awscdk.Duration_Minutes(jsii.Number(DefaultPeriodMinutes))
	}
	w := &watcher{m: m, props: props, period: period, action: awscloudwatchactions.NewSnsAction(m.topic)}
	m.dashboard = awscloudwatch.NewDashboard(this, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   props.DashboardName,
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	var decisionGraphs, healthGraphs, tableGraphs []awscloudwatch.IWidget
	for _, fn := range fns {
		decisions, health := w.watchFunction(fn)
		decisionGraphs, healthGraphs = append(decisionGraphs, decisions), append(healthGraphs, health)
	}
	for _, t := range tables {
		tableGraphs = append(tableGraphs, w.watchTable(t))
	}
	m.layout(decisionGraphs, healthGraphs, tableGraphs)
	return m
}

// watcher creates the alarms of the watched functions and tables, each
// notifying the topic, and their graphs.
type watcher struct {
	m      *monitoring
	props  *MonitoringProps
	period awscdk.Duration
	action awscloudwatch.IAlarmAction
}

// orDefault is v, or d when unset.
func orDefault(v *float64, d float64) *float64 {
	if v != nil {
		return v
	}
	return jsii.Number(d)
}

// alarm creates an alarm at threshold or above in one period; missing data
// is not breaching.
func (w *watcher) alarm(scope constructs.Construct, id string, metric awscloudwatch.IMetric, threshold *float64, description string) {
	a := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:             metric,
		Threshold:          threshold,
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(description),
	})
	a.AddAlarmAction(w.action)
	w.m.alarms = append(w.m.alarms, a)
}

// watchFunction creates a function's alarms (faults, duration, its
// watched refusals) and returns its graphs: decisions by reason, and
// health.
func (w *watcher) watchFunction(fn watched) (decisions, health awscloudwatch.IWidget) {
	fnScope := constructs.NewConstruct(w.m.Construct, jsii.String(fn.id))
	name := fn.fn.FunctionName()
	faults := Metric(contract.MetricFaults, map[string]*string{contract.DimensionFunction: name}, "Sum", w.period)
	errorsAndFaults := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("FILL(errors, 0) + FILL(faults, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"errors": fn.fn.MetricErrors(&awscloudwatch.MetricOptions{Period: w.period, Statistic: jsii.String("Sum")}), "faults": faults},
		Label:        jsii.String("errors and faults"),
		Period:       w.period,
	})
	w.alarm(fnScope, "Faults", errorsAndFaults, orDefault(w.props.FaultThreshold, DefaultFaultThreshold),
		"cognitobridge "+fn.command+": Lambda errors or decisions that failed on a dependency (table, provider, secret, parameter) or an internal error. "+
			"The handlers fail closed: protected sign-ins are refused while this alarm is on. Read the function's log lines with level ERROR for the reason.")
	duration := Metric(contract.MetricDuration, map[string]*string{contract.DimensionFunction: name}, "p99", w.period)
	durationThreshold := orDefault(w.props.DurationThresholdMs, DefaultDurationThresholdMs)
	w.alarm(fnScope, "Duration", duration, durationThreshold,
		"cognitobridge "+fn.command+": the p99 of its decisions' duration is near Cognito's fixed 5 s trigger budget; a slow provider or table makes sign-ins time out.")
	for _, r := range contract.WatchedRefusals {
		if !slices.Contains(contract.CommandHandlers[fn.command], r.Handler) {
			continue
		}
		refusals := Metric(contract.MetricDecisions, map[string]*string{
			contract.DimensionFunction: name, contract.DimensionHandler: jsii.String(r.Handler), contract.DimensionReason: jsii.String(r.Reason),
		}, "Sum", w.period)
		w.alarm(fnScope, "Refusals"+pascal(r.Reason), refusals, orDefault(w.props.RefusalThreshold, DefaultRefusalThreshold),
			"cognitobridge "+r.Handler+" refused "+r.Reason+" above the threshold: "+r.Meaning+".")
	}
	// Decisions by handler and reason, found by a search (graphs only).
	search := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("SEARCH('{" + contract.MetricNamespace + "," + contract.DimensionFunction + "," + contract.DimensionHandler + "," + contract.DimensionReason +
				"} MetricName=\"" + contract.MetricDecisions + "\" " + contract.DimensionFunction + "=\""),
			name, jsii.String("\"', 'Sum', " + fmt.Sprint(*w.period.ToSeconds(nil)) + ")"),
		}),
		Label:  jsii.String(""),
		Period: w.period,
	})
	decisions = awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(fn.command + ": decisions by reason"), Left: &[]awscloudwatch.IMetric{search}, Width: jsii.Number(12), Stacked: jsii.Bool(true),
	})
	health = awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(fn.command + ": p99 duration (ms), errors and faults"), Width: jsii.Number(12),
		Left:            &[]awscloudwatch.IMetric{duration},
		Right:           &[]awscloudwatch.IMetric{errorsAndFaults},
		LeftAnnotations: &[]*awscloudwatch.HorizontalAnnotation{{Value: durationThreshold, Label: jsii.String("alarm")}},
	})
	return decisions, health
}

// watchTable creates a table's throttles alarm and returns its graph.
func (w *watcher) watchTable(t table) awscloudwatch.IWidget {
	opts := &awscloudwatch.MetricOptions{Period: w.period, Statistic: jsii.String("Sum")}
	throttles := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression: jsii.String("FILL(r, 0) + FILL(w, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{
			"r": t.table.Metric(jsii.String("ReadThrottleEvents"), opts),
			"w": t.table.Metric(jsii.String("WriteThrottleEvents"), opts),
		},
		Label:  jsii.String("throttled reads and writes"),
		Period: w.period,
	})
	w.alarm(constructs.NewConstruct(w.m.Construct, jsii.String(t.id)), "Throttles", throttles, orDefault(w.props.ThrottleThreshold, DefaultThrottleThreshold),
		"cognitobridge "+t.kind+" table: DynamoDB throttled reads or writes. The handlers fail closed on an unavailable table (reason store_unavailable / record_failed): "+
			"sign-ins that need the table are refused while it throttles.")
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(t.kind + " table: throttles"), Left: &[]awscloudwatch.IMetric{throttles}, Width: jsii.Number(12),
	})
}

// layout puts the alarms' status on top, then the graphs of each group two
// to a row.
func (m *monitoring) layout(groups ...[]awscloudwatch.IWidget) {
	alarms := make([]interfacesawscloudwatch.IAlarmRef, len(m.alarms))
	for i, a := range m.alarms {
		alarms[i] = a
	}
	m.dashboard.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("cognitobridge alarms"), Alarms: &alarms, Width: jsii.Number(24),
	}))
	for _, group := range groups {
		for i := 0; i < len(group); i += 2 {
			m.dashboard.AddWidgets(group[i:min(i+2, len(group))]...)
		}
	}
}

// newTopic is the alarms' topic: encrypted with a key of its own (rotated)
// whose policy lets CloudWatch use it, because CloudWatch cannot publish to
// a topic encrypted with the AWS managed key alias/aws/sns (DOCUMENTED:
// Amazon SNS Developer Guide, "Enable compatibility between event sources
// from AWS services and encrypted topics": a customer managed key whose
// policy allows the service kms:Decrypt and kms:GenerateDataKey*); its
// policy refuses requests without TLS and lets CloudWatch alarms of this
// account publish.
func newTopic(scope constructs.Construct) awssns.ITopic {
	account := awscdk.Stack_Of(scope).Account()
	key := awskms.NewKey(scope, jsii.String("TopicKey"), &awskms.KeyProps{
		Description:       jsii.String("cognitobridge alarms topic"),
		EnableKeyRotation: jsii.Bool(true),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
	}), nil)
	topic := awssns.NewTopic(scope, jsii.String("Topic"), &awssns.TopicProps{
		DisplayName: jsii.String("cognitobridge alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
	}))
	return topic
}

// Metric is one of the handlers' EMF metrics (contract.MetricNamespace).
func Metric(name string, dimensions map[string]*string, statistic string, period awscdk.Duration) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(contract.MetricNamespace),
		MetricName:    jsii.String(name),
		DimensionsMap: &dimensions,
		Statistic:     jsii.String(statistic),
		Period:        period,
	})
}

type table struct {
	table awsdynamodb.ITable
	kind  string
	id    string
}

// find returns the marked functions and tables under root, in tree order.
func find(root constructs.IConstruct) ([]watched, []table) {
	var fns []watched
	var tables []table
	seen := map[string]int{}
	uniqueID := func(base string) string {
		seen[base]++
		if n := seen[base]; n > 1 {
			return fmt.Sprintf("%s%d", base, n)
		}
		return base
	}
	for _, c := range *root.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		md := c.Node().Metadata()
		if md == nil {
			continue
		}
		for _, e := range *md {
			data, _ := e.Data.(string)
			switch *e.Type {
			case contract.MetadataHandlerCommand:
				if fn, ok := c.(awslambda.IFunction); ok {
					fns = append(fns, watched{fn: fn, command: data, id: uniqueID(pascal(pathID(c)))})
				}
			case contract.MetadataTable:
				if t, ok := c.(awsdynamodb.ITable); ok {
					tables = append(tables, table{table: t, kind: data, id: uniqueID(pascal(pathID(c)))})
				}
			}
		}
	}
	return fns, tables
}

// pathID is the construct's path below its stack, for readable ids.
func pathID(c constructs.IConstruct) string {
	parts := strings.Split(*c.Node().Path(), "/")
	if len(parts) > 1 {
		parts = parts[1:]
	}
	return strings.Join(parts, "_")
}

// pascal turns a_b-c/d into ABCD.
func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r == '_' || r == '-' || r == '/' || r == ' ':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
