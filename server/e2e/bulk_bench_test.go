package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	userserver "useradmin/server"
	"useradmin/server/sqlite"
)

// BenchmarkWidget_BulkDeactivate100000 deactivates the 100,000 active users of an
// organization of about 111,000 through the page, as an admin does: the list filtered
// to the active users, "Select all N matching", Deactivate; deactivate-s runs from the
// click to the result, and server-cpu-s is the processor time the directory's process
// took meanwhile (the rest is the browser's, and waiting on a busy machine). Each run
// starts from a fresh database (BENCH_BULK_USERS sets the number of active users).
func BenchmarkWidget_BulkDeactivate100000(b *testing.B) {
	active := 100_000
	if n, err := strconv.Atoi(os.Getenv("BENCH_BULK_USERS")); err == nil {
		active = n
	}
	browser, closeBrowser := launchBrowser(b)
	defer closeBrowser()
	var runs, cpu []float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "bulk.db")
		db := sqlite.NewDB(path)
		if err := db.Open(); err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		if _, err := db.Seed(ctx, sqlite.SeedOptions{AdminKey: benchAdminKey}); err != nil {
			b.Fatal(err)
		}
		auth, err := sqlite.NewAuthService(db).Authenticate(ctx, benchAdminKey)
		if err != nil {
			b.Fatal(err)
		}
		// GenerateUsers deactivates about one in ten.
		if err := db.GenerateUsers(ctx, auth.User.OrganizationID, active*10/9); err != nil {
			b.Fatal(err)
		}
		on := true
		want, err := sqlite.NewUserService(db).CountUsers(userserver.NewContextWithAuth(ctx, auth), userserver.UserFilter{Activated: &on})
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
		s := startServer(b, "-db", path, "-seed=false")
		s.Key = benchAdminKey

		tab, closeTab := openTab(b, browser)
		tctx, cancel := context.WithTimeout(tab, 10*time.Minute)
		run := func(actions ...chromedp.Action) {
			if err := chromedp.Run(tctx, actions...); err != nil {
				b.Fatalf("browser: %v", err)
			}
		}
		run(chromedp.Navigate(s.URL+"/sign-in"), waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`))
		var hasToggle bool
		run(chromedp.Evaluate(`!!document.querySelector("#toggle-mode")`, &hasToggle))
		if hasToggle {
			run(chromedp.Click("#toggle-mode"))
		}
		run(setValue("#key", s.Key), chromedp.Click(`form.signin-card button[type=submit]`), rowsLoaded(),
			chromedp.Navigate(s.URL+"/?status=active"), rowsLoaded(),
			chromedp.Click("#select-page"), waitApp(`document.querySelector("#select-all-matching")`),
			chromedp.Click("#select-all-matching"),
			waitText("#bulk-bar .bulk-count", func(got string) bool { return digits(got) == strconv.Itoa(want) }))
		b.StartTimer()
		start, cpuStart := time.Now(), processSeconds(b, s.cmd.Process.Pid)
		run(chromedp.Click("#bulk-deactivate"),
			waitText("#bulk-result", func(s string) bool { return strings.HasPrefix(s, "Deactivate: ") }))
		runs = append(runs, time.Since(start).Seconds())
		cpu = append(cpu, processSeconds(b, s.cmd.Process.Pid)-cpuStart)
		b.StopTimer()
		var result string
		run(chromedp.Text("#bulk-result", &result))
		if w := "Deactivate: " + groupThousands(want-1) + " users changed, 1 not changed."; !strings.HasPrefix(result, w) {
			b.Fatalf("result %q, want %q", result, w)
		}
		cancel()
		closeTab()
	}
	b.ReportMetric(median(runs), "deactivate-s")
	b.ReportMetric(median(cpu), "server-cpu-s")
}

// processSeconds is the user and system time the process pid has taken so far, as Linux
// counts it in /proc/<pid>/stat (in clock ticks of 1/100 s).
func processSeconds(b *testing.B, pid int) float64 {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command's name, which is in parentheses: utime and stime are
	// the 12th and 13th of them.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100
}

// groupThousands writes n as the widget does: 100,000.
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
