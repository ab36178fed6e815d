package app

import (
	"encoding/json"
	"sync"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// Browsers may deny storage to a frame on another site than the page (Chrome when the
// person blocks a site's data, Safari and Firefox in some modes, any browser with all
// cookies blocked): reading window.localStorage or window.sessionStorage then throws a
// SecurityError. Elsewhere storage is partitioned: it works, but holds only what this frame
// wrote under this portal. The widget depends on neither: a session it cannot keep lives in
// memory for the page, and a framed widget keeps no credential at all, since its portal
// hands it over again on every load (only what endpoints offer, see capsStorage).

// storage keeps the session's strings across a reload, or for the page only.
type storage interface {
	get(key string) string
	set(key, value string)
	del(key string)
}

// pageStorage is where the session is kept: the tab's sessionStorage (forgotten with the
// tab, never localStorage) when the widget runs on its own and the browser lets it, else
// memory.
func pageStorage(framed bool) storage {
	if !framed && storageWorks("sessionStorage") {
		return browserStorage{name: "sessionStorage"}
	}
	return &memoryStorage{}
}

// capsStorage is where what each endpoint offers is remembered, framed or not: the
// browser's localStorage when it lets the widget use it (for a frame, partitioned under
// the portal's site), else memory. The capabilities are no secret, and remembered they let
// the first page of the next load go out at once with the columns the endpoint offers,
// alongside the request that opens the session and checks them again (readSession). works
// is storageWorks("localStorage"), read before guardStorage may replace a denied
// localStorage by one that keeps nothing.
func capsStorage(works bool) storage {
	if works {
		return browserStorage{name: "localStorage"}
	}
	return &memoryStorage{}
}

// storageWorks reports whether window[name] can be read and written. Reading it goes
// through Reflect.get, a call, so that the exception a denied storage throws comes back as
// a Go panic to recover from: a plain property read would abort the wasm instead.
func storageWorks(name string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	s := app.Window().Get("Reflect").Call("get", app.Window().JSValue(), name)
	if !s.Truthy() {
		return false
	}
	s.Call("setItem", "useradmin.probe", "1")
	s.Call("removeItem", "useradmin.probe")
	return true
}

// guardStorage keeps go-app's own use of localStorage (it reads it at start and for every
// state observed before it is set) from aborting the widget where the browser denies it:
// window.localStorage is then replaced, for this page, by a storage that keeps nothing.
// The widget keeps only what endpoints offer in localStorage itself (capsStorage), and
// go-app only what a state persisted with app.Persist would, which the widget never asks
// for.
func guardStorage() {
	if storageReadable("localStorage") {
		return
	}
	none := app.Window().Get("Object").New()
	none.Set("getItem", app.FuncOf(func(app.Value, []app.Value) any { return nil }))
	none.Set("key", app.FuncOf(func(app.Value, []app.Value) any { return nil }))
	for _, m := range []string{"setItem", "removeItem", "clear"} {
		none.Set(m, app.FuncOf(func(app.Value, []app.Value) any { return nil }))
	}
	none.Set("length", 0)
	app.Window().Get("Object").Call("defineProperty", app.Window().JSValue(), "localStorage",
		map[string]any{"value": none, "configurable": true})
	app.Log("This browser denies storage to the widget here: the session lives in memory for this page.")
}

// storageReadable reports whether reading window[name] does not throw.
func storageReadable(name string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	app.Window().Get("Reflect").Call("get", app.Window().JSValue(), name)
	return true
}

// isFramed reports whether the widget runs in a frame of another page.
func isFramed() bool {
	w := app.Window()
	return !w.Get("parent").Equal(w.Get("self"))
}

// browserStorage is window.sessionStorage, or localStorage for capsStorage. Values are JSON strings, as go-app's storage
// wrote them before, so that a tab open across an upgrade keeps its session. A write the
// browser refuses (its quota) is dropped: the session also lives in memory.
type browserStorage struct{ name string }

func (s browserStorage) get(key string) (v string) {
	defer func() { recover() }()
	item := app.Window().Get(s.name).Call("getItem", key)
	if item.Type() != app.TypeString || json.Unmarshal([]byte(item.String()), &v) != nil {
		return ""
	}
	return v
}

func (s browserStorage) set(key, value string) {
	defer func() { recover() }()
	b, _ := json.Marshal(value)
	app.Window().Get(s.name).Call("setItem", key, string(b))
}

func (s browserStorage) del(key string) {
	defer func() { recover() }()
	app.Window().Get(s.name).Call("removeItem", key)
}

// memoryStorage keeps the session for the page only.
type memoryStorage struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memoryStorage) get(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[key]
}

func (s *memoryStorage) set(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = value
}

func (s *memoryStorage) del(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}
