package redistest

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// send sends one inline command to addr and returns the first line of the
// reply.
func send(t *testing.T, addr, cmd string) string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(cmd + "\r\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

// TestServer: a server answers on its own port, keeps its data across
// Stop and Restart, and refuses connections while stopped.
func TestServer(t *testing.T) {
	s := StartServer(t)
	if !strings.HasPrefix(s.URL, "redis://127.0.0.1:") || strings.HasSuffix(s.Addr, ":6379") {
		t.Errorf("URL %s, Addr %s", s.URL, s.Addr)
	}
	if got := send(t, s.Addr, "SET k v"); got != "+OK" {
		t.Fatalf("SET: %s", got)
	}
	s.Stop()
	if conn, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		conn.Close()
		t.Error("the stopped server still accepts connections")
	}
	s.Restart()
	if got := send(t, s.Addr, "GET k"); got != "$1" {
		t.Errorf("GET after the restart: %s, want the value kept", got)
	}
	other := StartServer(t)
	if other.Addr == s.Addr {
		t.Error("two servers on one address")
	}
}

func TestSkipsWithoutTheBinary(t *testing.T) {
	ran := false
	t.Run("no redis-server", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		Start(t)
		ran = true
	})
	if ran {
		t.Error("Start did not skip the test without redis-server")
	}
}
