package indexer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"shopsearch/models"
)

// CSV records are split from the input here, and only then parsed by
// encoding/csv one at a time. encoding/csv alone cannot recover from an
// unclosed quote: its quoted cell runs to the next quote or to the end of
// the file, silently taking every row in between into one cell. Splitting
// first lets a record that runs over lines be judged: when it ends the file
// still open, grows past the record size limit, comes out with the wrong
// number of cells, or holds a line that is a whole row by itself, its first
// line is rejected as an unclosed quote and reading resumes on the line
// after it, so one stray quote costs one row.

// maxRecordLines is the most physical lines one quoted cell may run over.
const maxRecordLines = 100

// csvLine is one physical line of a CSV file.
type csvLine struct {
	no      int // 1-based
	text    []byte
	tooLong bool
}

// csvLines reads physical lines and takes lines back for re-reading.
type csvLines struct {
	br   *bufio.Reader
	n    int       // lines read from br
	back []csvLine // taken back, the next one last
	err  error     // sticky read error other than EOF
}

func (l *csvLines) next() (csvLine, bool) {
	if n := len(l.back); n > 0 {
		ln := l.back[n-1]
		l.back = l.back[:n-1]
		return ln, true
	}
	if l.err != nil {
		return csvLine{}, false
	}
	text, tooLong, err := readLine(l.br, nil)
	if err != nil {
		if !errors.Is(err, io.EOF) {
			l.err = err
		}
		return csvLine{}, false
	}
	l.n++
	if l.n == 1 {
		text = bytes.TrimPrefix(text, []byte(utf8BOM))
	}
	return csvLine{no: l.n, text: text, tooLong: tooLong}, true
}

// unread takes lines back, to be read again in their order.
func (l *csvLines) unread(lines []csvLine) {
	for i := len(lines) - 1; i >= 0; i-- {
		l.back = append(l.back, lines[i])
	}
}

// openQuote says whether a CSV line leaves a quoted cell open, given
// whether one was open when it began. It follows encoding/csv with
// LazyQuotes: a cell is quoted when its first byte is a quote; inside,
// "" is a quote, a quote before a comma or the line's end closes the cell,
// and any other quote is literal.
func openQuote(line []byte, open bool) bool {
	fieldStart := !open
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case !open && fieldStart && c == '"':
			open, fieldStart = true, false
		case !open:
			fieldStart = c == ','
		case c == '"' && i+1 < len(line) && line[i+1] == '"':
			i++
		case c == '"' && (i+1 == len(line) || line[i+1] == ','):
			open = false
			if i+1 < len(line) {
				i++ // the comma: a new cell starts
				fieldStart = true
			}
		}
	}
	return open
}

// csvRecord is one record as split from the input: its lines and its
// cells (nil when it could not be parsed).
type csvRecord struct {
	lines []csvLine
	cells []string
	why   string // why the record is malformed ("" when it is not)
}

func (r *csvRecord) raw() []byte {
	if len(r.lines) == 1 {
		return r.lines[0].text
	}
	return r.lines[0].text // a multi-line reject names its first line only
}

// readRecord reads the next record; ok is false at the end of the input.
// want is the header's cell count (0 for the header itself).
func readRecord(src *csvLines, want int) (rec csvRecord, ok bool) {
	first, ok := src.next()
	if !ok {
		return rec, false
	}
	rec.lines = []csvLine{first}
	if first.tooLong {
		rec.why = fmt.Sprintf("record too long (over %d bytes)", maxLineBytes)
		return rec, true
	}
	size := len(first.text)
	open := openQuote(first.text, false)
	for open {
		ln, more := src.next()
		if !more || ln.tooLong || size+1+len(ln.text) > maxLineBytes || len(rec.lines) >= maxRecordLines {
			if more {
				src.unread([]csvLine{ln})
			}
			return unclosed(src, rec), true
		}
		rec.lines = append(rec.lines, ln)
		size += 1 + len(ln.text)
		open = openQuote(ln.text, true)
	}
	text := first.text
	if len(rec.lines) > 1 {
		parts := make([][]byte, len(rec.lines))
		for i, ln := range rec.lines {
			parts[i] = ln.text
		}
		text = bytes.Join(parts, []byte("\n"))
	}
	cells, err := parseCSVLine(text)
	if err != nil {
		rec.why = "malformed CSV record: " + err.Error()
		return rec, true
	}
	rec.cells = cells
	if len(rec.lines) > 1 && want > 0 {
		// A quoted cell over lines must leave the header's count, and no
		// line inside it may be a row of its own.
		if len(cells) != want {
			return unclosed(src, rec), true
		}
		for _, ln := range rec.lines[1:] {
			if c, err := parseCSVLine(ln.text); err == nil && len(c) == want && !openQuote(ln.text, false) {
				return unclosed(src, rec), true
			}
		}
	}
	if want > 0 && len(cells) != want && !isBlankRecord(cells) {
		rec.why = fmt.Sprintf("malformed CSV record: %d cells, header has %d", len(cells), want)
	}
	return rec, true
}

// unclosed rejects a record's first line as an unclosed quote and gives
// the lines after it back to be read again.
func unclosed(src *csvLines, rec csvRecord) csvRecord {
	src.unread(rec.lines[1:])
	return csvRecord{lines: rec.lines[:1],
		why: "malformed CSV record: unclosed quote (a quoted cell opens on this line and never closes properly); the line is skipped and reading goes on with the next"}
}

// parseCSVLine parses one record's text with encoding/csv.
func parseCSVLine(text []byte) ([]string, error) {
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cells, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return []string{""}, nil // an empty line: one empty cell
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return nil, perr.Err
	}
	return cells, err
}

// readCSV reads a CSV catalog. The header names the columns with the JSON
// field names (case and surrounding spaces ignored; unknown columns ignored;
// id and title required). Empty cells are absent; regions is "bj|sh",
// attributes "k=v|k=v", region_stock "bj:3|sh:5". A quoted cell may hold
// commas, quotes (doubled) and line breaks. A record with more or fewer
// cells than the header is rejected, and so is the line of an unclosed
// quote (see above); the rest imports.
func (im *importer) readCSV(r io.Reader) error {
	src := &csvLines{br: bufio.NewReaderSize(r, 64<<10)}
	hrec, ok := readRecord(src, 0)
	if src.err != nil {
		return fmt.Errorf("read csv catalog header: %w", src.err)
	}
	if !ok {
		return models.Errorf(models.EINVALID, "csv catalog: no header row")
	}
	if hrec.why != "" {
		return models.Errorf(models.EINVALID, "csv catalog header: %s", hrec.why)
	}
	header := hrec.cells
	cols := make([]string, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if h != "" && slices.Contains(cols[:i], h) {
			return models.Errorf(models.EINVALID, "csv catalog header: duplicate column %q", h)
		}
		cols[i] = h
	}
	for _, need := range []string{"id", "title"} {
		if !slices.Contains(cols, need) {
			return models.Errorf(models.EINVALID, "csv catalog header: missing column %q", need)
		}
	}
	for {
		rec, ok := readRecord(src, len(cols))
		if !ok {
			if src.err != nil {
				return fmt.Errorf("read csv catalog: %w", src.err)
			}
			return nil
		}
		lineNo := rec.lines[0].no
		im.stats.Lines++
		if rec.why != "" {
			id := ""
			if rec.cells != nil {
				id = csvID(cols, rec.cells)
			}
			im.reject(lineNo, id, rec.why, rec.raw())
			continue
		}
		if isBlankRecord(rec.cells) {
			im.stats.Blank++
			continue
		}
		raw := csvRaw(rec.cells)
		fields, err := csvFields(cols, rec.cells, len(raw))
		if err != nil {
			im.reject(lineNo, csvID(cols, rec.cells), reasonOf(err), raw)
			continue
		}
		if err := im.add(lineNo, fields, raw); err != nil {
			return err
		}
	}
}

// csvRaw re-encodes a record as one CSV line, for a reject's Raw.
func csvRaw(rec []string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(rec) // writes to a bytes.Buffer cannot fail
	w.Flush()
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func isBlankRecord(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func csvID(cols, rec []string) string {
	if i := slices.Index(cols, "id"); i >= 0 && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

// csvFields turns a CSV record into the JSON fields parseProduct reads.
func csvFields(cols, rec []string, size int) (map[string]json.RawMessage, error) {
	if size > maxLineBytes {
		return nil, models.Errorf(models.EINVALID, "record too long (over %d bytes)", maxLineBytes)
	}
	if len(rec) > len(cols) {
		return nil, models.Errorf(models.EINVALID, "malformed CSV record: %d cells, header has %d", len(rec), len(cols))
	}
	fields := make(map[string]json.RawMessage, len(rec))
	for i, cell := range rec {
		name, v := cols[i], strings.TrimSpace(cell)
		if name == "" || v == "" {
			continue
		}
		if !utf8.ValidString(v) { // json.Marshal would make it U+FFFD
			return nil, fieldErr(name, "invalid UTF-8")
		}
		var err error
		switch name {
		case "attributes":
			fields[name], err = csvPairs(name, v, "=")
		case "region_stock":
			fields[name], err = csvPairs(name, v, ":")
		default:
			fields[name], err = json.Marshal(v)
		}
		if err != nil {
			return nil, err
		}
	}
	return fields, nil
}

// csvPairs converts "k=v|k=v" (sep "=") into a JSON object of strings.
func csvPairs(name, v, sep string) (json.RawMessage, error) {
	obj := make(map[string]string)
	for _, pair := range strings.Split(v, "|") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, val, ok := strings.Cut(pair, sep)
		if !ok {
			return nil, models.Errorf(models.EINVALID, "%s: want k%sv pairs separated by |, got %q", name, sep, models.Clip(pair))
		}
		obj[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}
	return json.Marshal(obj)
}
