package http

import (
	"log/slog"
	"mime"
	"net/http"
	"time"

	"useradmin/server"
	"useradmin/server/exportcsv"
)

// exportPageDeadline is how long the download may take to send one page: the server's
// WriteTimeout (60 s) would cut a long export, so each page moves the deadline on.
const exportPageDeadline = 60 * time.Second

// handleExport answers GET /export/{token}: it uses the link's token once and streams the
// CSV file from the store a page at a time, flushing each page, so that neither the server
// nor the browser ever holds the whole file. The token is the credential: no cookie and no
// header is needed, so a plain link works from a portal's cross-site frame. Every link that
// does not work (unknown, used, expired, made with a key or session that ended since, its
// admin no longer one) gets the same answer, before the first byte of the file.
//
// A download already under way checks the export's credential again before each page (a
// few thousand rows): once it ended, the connection is closed without the end of the
// file, so the browser reports a failed download rather than keep a partial file that
// looks whole.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	ExportHandler(s.Exports, s.Logger).ServeHTTP(w, r)
}

// ExportHandler serves the downloads of exports on a mux pattern with {token}, as
// Server does at /export/{token}; logger receives what goes wrong.
func ExportHandler(exports server.ExportService, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveExport(exports, logger, w, r) })
}

func serveExport(exports server.ExportService, logger *slog.Logger, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		// A HEAD would use the token up without sending the file.
		w.Header().Set("Allow", "GET")
		http.Error(w, "Open this link with GET to download the file.", http.StatusMethodNotAllowed)
		return
	}
	run, err := exports.RedeemExport(r.Context(), r.PathValue("token"))
	if err != nil {
		w.Header().Set("Cache-Control", "no-store")
		if server.ErrorCode(err) == server.ENOTFOUND {
			http.Error(w, server.ErrorMessage(err), http.StatusNotFound)
			return
		}
		logger.Error("export", "err", err)
		http.Error(w, "The export could not start: try again in a moment.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": exportcsv.Filename(run.Export.CreatedAt)}))
	h.Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Now().Add(exportPageDeadline))
	csv := exportcsv.NewWriter(w, run.Columns)
	if err := csv.WriteHeader(); err != nil {
		return
	}
	err = exports.WriteExport(r.Context(), run, csv.WriteRow, func() error {
		if err := csv.Flush(); err != nil {
			return err
		}
		rc.SetWriteDeadline(time.Now().Add(exportPageDeadline))
		return rc.Flush()
	})
	if err != nil {
		if server.ErrorCode(err) == server.ENOTFOUND {
			logger.Info("export stopped: the credential that made it ended", "id", run.Export.ID)
		} else {
			logger.Error("export", "id", run.Export.ID, "err", err)
		}
		// The status is sent already: closing the connection without the end of the
		// chunked body makes the browser say the download failed, where ending it would
		// leave a file that looks whole.
		panic(http.ErrAbortHandler)
	}
}
