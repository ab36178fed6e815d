package main

import (
	"bytes"
	"strings"
	"testing"
)

// instancesOutput is BenchmarkInstances's part of a run, capped instances measured.
const instancesOutput = `BenchmarkInstances/One-2         	     200	   2803853 ns/op	         0.30 client-cpu-ms	         1.05 instance-cpu-ms	        98.2 machine-busy-%	  70.1 own-busy-%	       145.7 p50-ms	       340.6 p99-ms	         3.25 pg-cpu-ms	       400 req/s
BenchmarkInstances/Two-2         	     200	   2388978 ns/op	         0.30 client-cpu-ms	         0.90 instance-cpu-ms	       100.0 machine-busy-%	  72.1 own-busy-%	       125.4 p50-ms	       315.3 p99-ms	         2.90 pg-cpu-ms	       360 req/s
BenchmarkInstances/Capped/One-2  	     200	   7837433 ns/op	         0.29 client-cpu-ms	         0.1 instance-cores	         0.80 instance-cpu-ms	        20.5 machine-busy-%	  18.4 own-busy-%	       412.9 p50-ms	      1034 p99-ms	         2.80 pg-cpu-ms	       125 req/s	       99.0 throttled-%
BenchmarkInstances/Capped/Two-2  	     200	   4242805 ns/op	         0.35 client-cpu-ms	         0.1 instance-cores	         0.90 instance-cpu-ms	        40.1 machine-busy-%	  35.6 own-busy-%	       217.8 p50-ms	       502.8 p99-ms	         2.90 pg-cpu-ms	       240 req/s	       98.0 throttled-%
`

// flat joins a table's columns with single spaces, to compare its lines.
func flat(rows []row) string {
	var out bytes.Buffer
	print(&out, rows)
	return strings.Join(strings.Fields(out.String()), " ")
}

// The capped instances' ratio is printed beside the uncapped one, with its target and
// where their CPU went.
func TestInstanceRows_Capped(t *testing.T) {
	run, err := parse(strings.NewReader(instancesOutput))
	if err != nil || run.failed {
		t.Fatal(err, run.failed)
	}
	var missing []string
	need := func(name, unit string) (float64, bool) {
		v, ok := run.res[name][unit]
		if !ok {
			missing = append(missing, name+" ("+unit+")")
		}
		return v, ok
	}
	out := flat(append(instanceRows(need), cappedInstanceRows(need, run.notMeasurable["Instances/Capped"])...))
	if len(missing) > 0 {
		t.Errorf("missing %q", missing)
	}
	for _, want := range []string{
		"2 instances vs 1, all on the same 2 cores ≥ 1.7× 0.90 × NO",
		"Page: 1 instance capped at 0.1 core 125 req/s",
		"Page: 2 instances capped at 0.1 core each, 1 database 240 req/s",
		"each instance's CPU capped (cgroup), the database not the bound ≥ 1.7× 1.92 × yes",
		"capped Two: the machine's cores busy (all its work) 40 %",
		"capped Two: the machine's cores busy with the instances, PostgreSQL and the clients 36 %",
		"Two: the machine's cores busy with the instances, PostgreSQL and the clients 72 %",
		"capped One: the instances' quota periods spent to the end (throttled) 99 %",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
}

// Where the benchmark could make no cgroup, the capped ratio says why, and no capped
// figure is missing.
func TestInstanceRows_CappedNotMeasurable(t *testing.T) {
	const line = "BenchmarkInstances/Capped: not measurable: no cgroup cpu controller is mounted (neither cgroup v2's nor v1's)\n"
	run, err := parse(strings.NewReader(instancesOutput[:strings.Index(instancesOutput, "BenchmarkInstances/Capped/")] + line))
	if err != nil || run.failed {
		t.Fatal(err, run.failed)
	}
	var missing []string
	need := func(name, unit string) (float64, bool) {
		missing = append(missing, name+" ("+unit+")")
		return 0, false
	}
	out := flat(cappedInstanceRows(need, run.notMeasurable["Instances/Capped"]))
	if len(missing) > 0 {
		t.Errorf("missing %q", missing)
	}
	for _, want := range []string{
		"each instance's CPU capped (cgroup), the database not the bound ≥ 1.7× not measurable",
		"not measurable on this machine: no cgroup cpu controller is mounted (neither cgroup v2's nor v1's) –",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "yes") || strings.Contains(out, "NO") || strings.Contains(out, " ×") {
		t.Errorf("a figure where there is none:\n%s", out)
	}
	if _, ok := run.res["Instances/Capped"]; ok {
		t.Errorf("the line of why is read as figures: %v", run.res["Instances/Capped"])
	}
}

// With neither capped figures nor a reason, the capped figures are missing.
func TestInstanceRows_CappedMissing(t *testing.T) {
	var missing []string
	need := func(name, unit string) (float64, bool) {
		missing = append(missing, name+" ("+unit+")")
		return 0, false
	}
	cappedInstanceRows(need, "")
	if len(missing) == 0 {
		t.Error("nothing missing")
	}
}
