#!/usr/bin/env python3
"""The shipped nginx front (deploy/nginx.conf) in front of exportd, attacked.

  tests/attack/nginx_front_test.py EXPORTD EXPORTCTL DEPLOY_NGINX_CONF HTTP_API_MD

Starts Debian's nginx with deploy/nginx.conf, changed only where a test
must: a loopback port instead of the TLS listeners, exportd's ephemeral
port as the upstream, files in a temporary directory, one worker. Shows,
through nginx:

  attack                                     expected
  1,000 idle + 200 slowloris connections     every signed export 200 within
                                             1 s; exportd's RSS flat, its
                                             connections the upstream pool
  256 MiB header line (x4)                   400 from nginx; exportd's RSS flat
  the docs' shell example (curl, openssl)    200 with the export document

Bounded: about 25 s.
"""

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import attacklib as A


def nginx_config(template, tmp, port, upstream_port):
    text = open(template).read()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]

    def swap(pattern, replacement, count=1):
        nonlocal text
        text, n = re.subn(pattern, replacement, text, flags=re.M)
        if n != count:
            A.fail("deploy/nginx.conf: expected %d line(s) matching %r, found %d" %
                   (count, pattern, n))

    swap(r"^worker_processes .*;$", "worker_processes 1;")
    swap(r"^worker_rlimit_nofile .*;$",
         "worker_rlimit_nofile %d;" % min(65536, hard))
    swap(r"^pid .*;$", "pid %s/nginx.pid;" % tmp)
    swap(r"^error_log .*;$", "error_log %s/error.log warn;" % tmp)
    swap(r"^  access_log .*;$",
         "  access_log %s/access.log;\n  client_body_temp_path %s/body;\n"
         "  proxy_temp_path %s/proxy;" % (tmp, tmp, tmp))
    swap(r"^    server 127\.0\.0\.1:8080 (.*);$",
         r"    server 127.0.0.1:%d \1;" % upstream_port)
    # The TLS listeners and certificate lines become one plain listener.
    swap(r"^    listen 443 ssl http2;$", "    listen 127.0.0.1:%d;" % port)
    swap(r"^    listen \[::\]:443 ssl http2;$", "")
    swap(r"^    ssl_.*;$", "", count=6)
    return text


def worker_rss_kb(master_pid):
    """The summed RSS of nginx's worker processes."""
    try:
        with open("/proc/%d/task/%d/children" % (master_pid, master_pid)) as f:
            pids = [int(p) for p in f.read().split()]
    except OSError:
        return -1
    return sum(A.rss_kb(p) for p in pids)


def main():
    exportd, exportctl, template, http_api = sys.argv[1:5]
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        A.fail("nginx is not installed (Debian package nginx-light)")
    d = A.Exportd(exportd, exportctl)
    tmp = tempfile.mkdtemp(prefix="libexport-nginx-")
    os.chmod(tmp, 0o755)  # nginx's worker user must reach its temp dirs
    port = A.free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(nginx_config(template, tmp, port, d.port))
    proc = subprocess.Popen([nginx, "-p", tmp, "-c", conf, "-e", tmp + "/error.log",
                             "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                A.fail("nginx exited: " + proc.stderr.read().decode())
            if A.get(port, "/healthz")[0] == 200:
                break
            time.sleep(0.05)
        else:
            A.fail("nginx did not answer /healthz")

        A.legit_series(port, d.key, 1.0, interval=0.05)
        time.sleep(0.5)
        base = A.check_legit("baseline through nginx", A.legit_series(port, d.key, 2.0))
        rss0 = A.rss_kb(d.pid)
        nginx0 = worker_rss_kb(proc.pid)
        print("%-40s legit n=%2d p50 %6.1f ms max %6.1f ms  exportd RSS %d kB, "
              "nginx worker RSS %d kB" %
              ("baseline through nginx", base["n"], base["p50_ms"], base["max_ms"],
               rss0, nginx0), flush=True)

        with A.Crowd(port, idle=1000, slow=200) as crowd:
            time.sleep(0.5)
            results = A.legit_series(port, d.key, 5.0)
            held = crowd.held()
            rss1 = A.rss_kb(d.pid)
            nginx1 = worker_rss_kb(proc.pid)
            open_conns = d.metric("libexport_http_connections_open")
        s = A.check_legit("1,000 idle + 200 slowloris via nginx", results,
                          allow_503=False)
        if rss1 - rss0 > 4 * 1024 or open_conns > 70:
            A.fail("exportd behind nginx: RSS %d -> %d kB, %d connections open" %
                   (rss0, rss1, open_conns))
        print("%-40s held %4d  legit n=%2d p50 %6.1f ms max %6.1f ms %s  exportd RSS "
              "%d -> %d kB, exportd connections open %d; nginx worker RSS %d -> %d kB "
              "(%.1f kB/conn)" %
              ("1,000 idle + 200 slowloris via nginx", held, s["n"], s["p50_ms"],
               s["max_ms"], s["statuses"], rss0, rss1, open_conns, nginx0, nginx1,
               (nginx1 - nginx0) / held if held else 0), flush=True)

        line = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (256 << 20)
        statuses = []
        for _ in range(4):
            got, _ = A.exchange(port, line, timeout=10)
            statuses.append(A.status_of(got))
        rss2 = A.rss_kb(d.pid)
        if statuses != [400] * 4 or rss2 - rss0 > 4 * 1024:
            A.fail("256 MiB header line via nginx: %r, exportd RSS %d -> %d kB" %
                   (statuses, rss0, rss2))
        print("%-40s statuses %r  exportd RSS %d -> %d kB" %
              ("256 MiB header line x4 via nginx", statuses, rss0, rss2), flush=True)

        # The docs' shell example, unchanged but for the key and the host.
        doc = open(http_api).read()
        m = re.search(r"### Shell \(the public docs' example\)\n\n```sh\n(.*?)```", doc,
                      re.S)
        if not m:
            A.fail("docs/http_api.md: no shell example")
        script = m.group(1)
        script = re.sub(r'^private_key=".*"(.*)$', 'private_key="%s"' % d.key, script,
                        flags=re.M)
        script = re.sub(r'^host=".*"$', 'host="http://127.0.0.1:%d"' % port, script,
                        flags=re.M)
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                             timeout=20)
        if out.returncode != 0 or not out.stdout.startswith('{"results":[') \
                or not out.stdout.endswith("]}\n"):
            A.fail("the docs' shell example through nginx: rc %d, %r %r" %
                   (out.returncode, out.stdout[:300], out.stderr[:300]))
        print("%-40s 200, %d bytes of export document" %
              ("docs' shell example via nginx", len(out.stdout)), flush=True)
        print("OK", flush=True)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
