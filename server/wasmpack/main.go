// Command wasmpack rewrites the data section of a wasm file built by Go so that it
// compresses better, with the same memory at start: `go run ./server/wasmpack FILE`.
//
// Go's linker leaves out every run of more than 8 zero bytes from the data it writes, at
// the cost of a new segment (offset and length) after each: app.wasm carries the 100,000
// segments the linker allows, 800 kB of headers whose offsets brotli cannot predict. A
// run of zeros costs a compressor almost nothing, so wasmpack joins two segments again
// when fewer than maxGap zero bytes lie between them: memory starts zero-filled, so the
// page's memory is the same byte for byte, and brotli's app.wasm is about 100 kB smaller.
// A file with any other form of data segment is left as it is.
package main

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
)

// maxGap is the longest run of zeros written out to join two segments.
const maxGap = 256

// Section ids of the wasm binary format that wasmpack reads or changes.
const (
	sectionData      = 11
	sectionDataCount = 12
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: wasmpack FILE.wasm (rewritten in place)")
		os.Exit(2)
	}
	if err := packFile(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "wasmpack:", err)
		os.Exit(1)
	}
}

// packFile rewrites name in place when its data section can be packed.
func packFile(name string) error {
	in, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	out, err := pack(in)
	if errors.Is(err, errUnknownForm) {
		fmt.Fprintf(os.Stderr, "wasmpack: %s left as it is: %v\n", name, err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return os.WriteFile(name, out, 0o644)
}

// errUnknownForm is a data section wasmpack does not rewrite (not what Go's linker writes).
var errUnknownForm = errors.New("a data segment other than an active one at a constant offset")

// segment is an active data segment of memory 0: its bytes written at offset.
type segment struct {
	offset uint32
	data   []byte
}

// pack returns module with its data segments joined across short runs of zeros, and a
// data count section, if it has one, set to their new number.
func pack(module []byte) ([]byte, error) {
	if len(module) < 8 || !bytes.Equal(module[:8], []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, errors.New("not a WebAssembly binary (version 1)")
	}
	type section struct {
		id   byte
		body []byte
	}
	var sections []section
	for rest := module[8:]; len(rest) > 0; {
		id := rest[0]
		size, n := binary.Uvarint(rest[1:])
		if n <= 0 || uint64(len(rest)-1-n) < size {
			return nil, errors.New("a section runs past the end of the file")
		}
		sections = append(sections, section{id, rest[1+n : 1+n+int(size)]})
		rest = rest[1+n+int(size):]
	}
	count := -1
	for i, s := range sections {
		if s.id != sectionData {
			continue
		}
		segs, err := readSegments(s.body)
		if err != nil {
			return nil, err
		}
		segs = join(segs)
		sections[i].body = writeSegments(segs)
		count = len(segs)
	}
	if count < 0 {
		return module, nil
	}
	out := bytes.NewBuffer(slices.Clone(module[:8]))
	for _, s := range sections {
		body := s.body
		if s.id == sectionDataCount {
			body = binary.AppendUvarint(nil, uint64(count))
		}
		out.WriteByte(s.id)
		out.Write(binary.AppendUvarint(nil, uint64(len(body))))
		out.Write(body)
	}
	return out.Bytes(), nil
}

// readSegments reads a data section whose segments are all active, in memory 0, at an
// i32.const offset, and do not overlap; it returns them in the order of their offsets
// (Go's linker writes each of its sections in turn, not in the order of their addresses).
// Since no two overlap, the order they are written in does not change the memory.
func readSegments(body []byte) ([]segment, error) {
	r := bytes.NewReader(body)
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return nil, err
	}
	segs := make([]segment, 0, min(n, uint64(len(body))))
	for range n {
		flags, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		op, err := r.ReadByte()
		if err != nil {
			return nil, err
		}
		if flags != 0 || op != 0x41 { // active in memory 0, i32.const
			return nil, errUnknownForm
		}
		offset, err := readSigned32(r)
		if err != nil {
			return nil, err
		}
		if op, err := r.ReadByte(); err != nil || op != 0x0b { // end of the offset expression
			return nil, errUnknownForm
		}
		size, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		if size > uint64(r.Len()) {
			return nil, errors.New("a data segment runs past the end of its section")
		}
		if offset < 0 || uint64(offset)+size > math.MaxUint32 {
			return nil, errUnknownForm
		}
		data := make([]byte, size)
		r.Read(data)
		segs = append(segs, segment{uint32(offset), data})
	}
	if r.Len() != 0 {
		return nil, errors.New("bytes after the last data segment")
	}
	slices.SortStableFunc(segs, func(a, b segment) int { return cmp.Compare(a.offset, b.offset) })
	for i := 1; i < len(segs); i++ {
		if uint64(segs[i-1].offset)+uint64(len(segs[i-1].data)) > uint64(segs[i].offset) {
			return nil, errUnknownForm // overlapping segments: their order matters
		}
	}
	return segs, nil
}

// join merges each segment into the one before when at most maxGap bytes lie between.
func join(segs []segment) []segment {
	var out []segment
	for _, s := range segs {
		if len(out) > 0 {
			last := &out[len(out)-1]
			gap := int64(s.offset) - int64(last.offset) - int64(len(last.data))
			if gap <= maxGap {
				last.data = append(last.data, make([]byte, gap)...)
				last.data = append(last.data, s.data...)
				continue
			}
		}
		out = append(out, segment{s.offset, slices.Clone(s.data)})
	}
	return out
}

// writeSegments encodes segs as a data section's body.
func writeSegments(segs []segment) []byte {
	b := binary.AppendUvarint(nil, uint64(len(segs)))
	for _, s := range segs {
		b = append(b, 0x00, 0x41)
		b = appendSigned(b, int64(int32(s.offset)))
		b = append(b, 0x0b)
		b = binary.AppendUvarint(b, uint64(len(s.data)))
		b = append(b, s.data...)
	}
	return b
}

// readSigned32 reads a signed LEB128 number of at most 32 bits (an i32.const's operand).
func readSigned32(r *bytes.Reader) (int64, error) {
	var v int64
	var shift uint
	for {
		c, err := r.ReadByte()
		if err != nil {
			return 0, err
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v, nil
		}
		if shift >= 35 {
			return 0, errors.New("an i32.const longer than 5 bytes")
		}
	}
}

// appendSigned appends v as signed LEB128.
func appendSigned(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
