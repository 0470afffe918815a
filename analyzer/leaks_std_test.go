package analyzer_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gotrace/gotrace/analyzer"
)

// nopConnector is a database/sql connector that never connects.
type nopConnector struct{}

func (nopConnector) Connect(context.Context) (driver.Conn, error) { return nil, errors.New("no") }
func (nopConnector) Driver() driver.Driver                        { return nil }

// TestLeakOfUnclosedDB: a database/sql.DB nobody closes leaves its
// connection opener waiting; the leak names the missing DB.Close.
func TestLeakOfUnclosedDB(t *testing.T) {
	var db *sql.DB
	data := record(t, func() {
		db = sql.OpenDB(nopConnector{})
		time.Sleep(300 * time.Millisecond)
	})
	defer db.Close()
	r := analyze(t, data, analyzer.Options{LeakThreshold: 100 * time.Millisecond})
	for _, g := range r.Leaks.Groups {
		if g.Start == "database/sql.(*DB).connectionOpener" {
			if !g.Suspected || !strings.Contains(g.Diagnosis, "DB.Close") {
				t.Errorf("the unclosed DB's opener: suspected %v, diagnosis %q", g.Suspected, g.Diagnosis)
			}
			return
		}
	}
	t.Errorf("no leak group for the unclosed DB's connection opener: %+v", r.Leaks.Groups)
}
