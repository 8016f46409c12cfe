// Package redistest starts a real redis-server for tests: on a free
// loopback port, without persistence unless stopped, in a temporary
// directory, stopped when the test ends. Tests that need it are skipped
// where redis-server is not installed (CI installs Debian's redis-server).
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the server's executable, looked up on PATH.
const binary = "redis-server"

// startTimeout bounds how long a server may take to answer PING, and
// stopTimeout how long it may take to exit.
const (
	startTimeout = 10 * time.Second
	stopTimeout  = 10 * time.Second
)

// Server is a redis-server process the test owns.
type Server struct {
	// URL is redis://127.0.0.1:PORT/0; it stays the same across Restart.
	URL string
	// Addr is 127.0.0.1:PORT.
	Addr string

	t      testing.TB
	path   string // of the binary
	dir    string // working directory: the log and, once stopped, dump.rdb
	cmd    *exec.Cmd
	exit   chan error // the result of cmd.Wait; nil when not running
	paused bool       // by Pause
}

// Start starts a redis-server for the test and returns its URL; see
// StartServer.
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t).URL
}

// StartServer starts a redis-server on a free port of 127.0.0.1 with
// persistence off, waits until it answers PING and stops it when the test
// ends. It skips the test when redis-server is not on PATH.
func StartServer(t testing.TB) *Server {
	t.Helper()
	path, err := exec.LookPath(binary)
	if err != nil {
		t.Skipf("redistest: %s is not on PATH, so this test cannot run; install Debian's redis-server (apt-get install -y redis-server), as CI does", binary)
	}
	s := &Server{t: t, path: path, dir: t.TempDir()}
	t.Cleanup(func() { s.Resume(); s.kill() })
	// A free port can be taken between choosing it and the server binding
	// it; try a few.
	var errs []error
	for range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.URL = "redis://" + s.Addr + "/0"
		if err := s.start(); err != nil {
			errs = append(errs, err)
			continue
		}
		return s
	}
	t.Fatalf("redistest: could not start %s: %v", binary, errors.Join(errs...))
	return nil
}

// Stop shuts the server down as a clean shutdown of a persistent Redis
// would: its data is saved in its directory, for Restart to load. Call it
// from the test's goroutine.
func (s *Server) Stop() {
	s.t.Helper()
	if s.exit == nil {
		s.t.Fatal("redistest: Stop: the server is not running")
	}
	s.Resume()
	// SHUTDOWN SAVE: save although persistence is off, then exit.
	if err := s.command("*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n"); err != nil {
		s.t.Logf("redistest: SHUTDOWN: %v (killing it)", err)
		s.kill()
		return
	}
	select {
	case <-s.exit:
	case <-time.After(stopTimeout):
		s.t.Logf("redistest: the server did not exit within %v of SHUTDOWN; killing it", stopTimeout)
		s.kill()
		return
	}
	s.exit = nil
}

// Pause stops the server with SIGSTOP: it keeps its port, and the kernel
// still accepts connections, but it answers nothing — a hung Redis — until
// Resume. The test's cleanup resumes it before stopping it.
func (s *Server) Pause() {
	s.t.Helper()
	if s.exit == nil {
		s.t.Fatal("redistest: Pause: the server is not running")
	}
	if err := s.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("redistest: SIGSTOP: %v", err)
	}
	s.paused = true
}

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() {
	s.t.Helper()
	if s.exit == nil || !s.paused {
		return
	}
	if err := s.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		s.t.Fatalf("redistest: SIGCONT: %v", err)
	}
	s.paused = false
}

// Restart starts the server again on the same port with the data Stop
// saved. Call it from the test's goroutine.
func (s *Server) Restart() {
	s.t.Helper()
	if s.exit != nil {
		s.t.Fatal("redistest: Restart: the server is running; Stop it first")
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// start runs the server on s.Addr and waits until it answers PING.
func (s *Server) start() error {
	_, port, _ := net.SplitHostPort(s.Addr)
	logFile := filepath.Join(s.dir, "redis.log")
	cmd := exec.Command(s.path,
		"--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no",
		"--dir", s.dir, "--logfile", logFile,
		"--daemonize", "no")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.path, err)
	}
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait() }()
	s.cmd, s.exit = cmd, exit

	deadline := time.Now().Add(startTimeout)
	for {
		err := s.command("*1\r\n$4\r\nPING\r\n")
		if err == nil {
			return nil
		}
		select {
		case werr := <-exit:
			s.exit = nil
			return fmt.Errorf("%s on port %s exited before answering PING (%v); its log:\n%s", binary, port, werr, tail(logFile))
		default:
		}
		if time.Now().After(deadline) {
			s.kill()
			return fmt.Errorf("%s on port %s did not answer PING within %v: %v; its log:\n%s", binary, port, startTimeout, err, tail(logFile))
		}
		time.Sleep(10 * time.Millisecond) // polling for readiness, with a deadline
	}
}

// command sends one RESP command and reads the first line of the reply,
// failing on an error reply. A SHUTDOWN gets no reply: the connection
// closing is its success.
func (s *Server) command(resp string) error {
	conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(resp)); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if strings.Contains(resp, "SHUTDOWN") && line == "" && err != nil {
		return nil
	}
	if err != nil {
		return err
	}
	if strings.HasPrefix(line, "-") {
		return fmt.Errorf("redis: %s", strings.TrimSpace(line[1:]))
	}
	return nil
}

// kill ends the process, if running, and waits for it.
func (s *Server) kill() {
	if s.exit == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exit
	s.exit = nil
}

// freePort returns a port of 127.0.0.1 that nothing listened on a moment
// ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the end of the server's log, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
