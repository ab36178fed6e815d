package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// program is built to wasm by the test: its data has runs of zeros of every length
// between non-zero bytes, and it prints a sum over all of it, so that a packed module
// that lost or moved a byte prints another sum.
const program = `package main

import "fmt"

var table = func() (t [4096]uint16) {
	for i := range t {
		if i%37 < 3 {
			t[i] = uint16(i*7 + 1)
		}
	}
	return
}()

var words = [...]string{"alpha", "", "", "", "", "", "", "", "", "beta", "", "", "gamma"}

func main() {
	sum := 0
	for i, v := range table {
		sum += i * int(v)
	}
	for _, w := range words {
		sum += len(w)
	}
	fmt.Println("sum", sum)
}
`

// TestPack_SameMemoryFewerSegments packs a module built by Go and checks that memory
// starts the same, byte for byte, from far fewer segments, and that it still runs
// and prints what the unpacked one prints (under Node.js, with Go's own wasm_exec).
func TestPack_SameMemoryFewerSegments(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "go.mod"), "module packtest\n\ngo 1.26\n")
	write(t, filepath.Join(dir, "main.go"), program)
	wasm := filepath.Join(dir, "prog.wasm")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", wasm, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	original, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := pack(original)
	if err != nil {
		t.Fatal(err)
	}
	before, after := dataSegments(t, original), dataSegments(t, packed)
	if len(after) >= len(before) || len(after) > 16 {
		t.Errorf("%d segments packed into %d, want far fewer", len(before), len(after))
	}
	if a, b := memoryImage(before), memoryImage(after); !bytes.Equal(a, b) {
		t.Fatalf("memory differs after packing (%d bytes, then %d)", len(a), len(b))
	}
	again, err := pack(packed)
	if err != nil || !bytes.Equal(again, packed) {
		t.Errorf("packing a packed module changed it again (err %v)", err)
	}

	packedFile := filepath.Join(dir, "packed.wasm")
	write(t, packedFile, string(packed))
	if want, got := run(t, wasm), run(t, packedFile); got != want || !bytes.HasPrefix([]byte(want), []byte("sum ")) {
		t.Errorf("the packed module prints %q, the original %q", got, want)
	}
}

// TestPack_LeavesOtherFormsAlone checks that a module whose data segment is passive (not
// what Go writes) is refused as an unknown form, which packFile leaves as it is.
func TestPack_LeavesOtherFormsAlone(t *testing.T) {
	// A module with one memory and one passive data segment "hi".
	module := []byte("\x00asm\x01\x00\x00\x00" +
		"\x05\x03\x01\x00\x01" + // memory section: one memory, min 1 page
		"\x0b\x05\x01\x01\x02hi") // data section: one passive segment of 2 bytes
	if _, err := pack(module); err != errUnknownForm {
		t.Fatalf("pack of a passive segment: %v, want errUnknownForm", err)
	}
	file := filepath.Join(t.TempDir(), "m.wasm")
	write(t, file, string(module))
	if err := packFile(file); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(file); !bytes.Equal(got, module) {
		t.Error("packFile changed a module it cannot pack")
	}
	if _, err := pack([]byte("not wasm")); err == nil {
		t.Error("pack accepted a file that is not wasm")
	}
}

// dataSegments reads module's data segments, in the order of their offsets.
func dataSegments(t *testing.T, module []byte) []segment {
	t.Helper()
	for rest := module[8:]; len(rest) > 0; {
		id := rest[0]
		size, n := binary.Uvarint(rest[1:])
		body := rest[1+n : 1+n+int(size)]
		if id == sectionData {
			segs, err := readSegments(body)
			if err != nil {
				t.Fatal(err)
			}
			return segs
		}
		rest = rest[1+n+int(size):]
	}
	t.Fatal("no data section")
	return nil
}

// memoryImage is memory as segs leave it, up to the last byte they write.
func memoryImage(segs []segment) []byte {
	var mem []byte
	for _, s := range segs {
		if end := int(s.offset) + len(s.data); end > len(mem) {
			mem = append(mem, make([]byte, end-len(mem))...)
		}
		copy(mem[s.offset:], s.data)
	}
	return bytes.TrimRight(mem, "\x00")
}

// run runs a js/wasm module under Node.js with Go's wasm_exec and returns its output.
func run(t *testing.T, wasm string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is missing: it runs the wasm in this test (apt-get install nodejs)")
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	runner := filepath.Join(strings.TrimSpace(string(goroot)), "lib", "wasm", "wasm_exec_node.js")
	out, err := exec.Command(node, runner, wasm).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", wasm, err, out)
	}
	return string(out)
}

func write(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
