package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BenchmarkWidget_ImportTenThousand imports a file of 10,000 new people through the page,
// as an admin does: preview-s from choosing the file to the preview of every row (read,
// parsed and checked by the directory in 20 dry-run batches), import-s from the Import
// button to the result of every row.
func BenchmarkWidget_ImportTenThousand(b *testing.B) {
	s := startServer(b)
	browser, closeBrowser := launchBrowser(b)
	defer closeBrowser()
	var preview, imported []float64
	for i := 0; b.Loop(); i++ {
		var file strings.Builder
		file.WriteString("email,firstname,lastname,organizationRole,workspaces\n")
		for n := range 10_000 {
			fmt.Fprintf(&file, "bench%d-%05d@import.test,Bea,Number %d,USER,\n", i, n, n)
		}
		path := filepath.Join(b.TempDir(), "people.csv")
		if err := os.WriteFile(path, []byte(file.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		tab, closeTab := openTab(b, browser)
		ctx, cancel := context.WithTimeout(tab, 5*time.Minute)
		run := func(actions ...chromedp.Action) {
			if err := chromedp.Run(ctx, actions...); err != nil {
				b.Fatalf("browser: %v", err)
			}
		}
		run(chromedp.Navigate(s.URL+"/sign-in"), waitApp(`document.querySelector("form.signin-card[aria-busy=false]")`))
		var hasToggle bool
		run(chromedp.Evaluate(`!!document.querySelector("#toggle-mode")`, &hasToggle))
		if hasToggle {
			run(chromedp.Click("#toggle-mode"))
		}
		run(setValue("#key", s.Key), chromedp.Click(`form.signin-card button[type=submit]`),
			chromedp.WaitVisible("#import-csv"), chromedp.Click("#import-csv"), chromedp.WaitVisible("#import-file"))
		start := time.Now()
		run(chromedp.SetUploadFiles("#import-file", []string{path}),
			waitText("#import-summary", func(s string) bool { return strings.HasPrefix(s, "10,000 to create.") }))
		preview = append(preview, time.Since(start).Seconds())
		start = time.Now()
		run(chromedp.Click("#import-run"),
			waitText("#import-result-summary", func(s string) bool { return strings.HasPrefix(s, "Imported people.csv: 10,000 created.") }))
		imported = append(imported, time.Since(start).Seconds())
		cancel()
		closeTab()
	}
	b.ReportMetric(median(preview), "preview-s")
	b.ReportMetric(median(imported), "import-s")
}
