// Package testserver starts real third-party servers (Radicale, Xandikos, an
// aiosmtpd SMTP sink, Dovecot IMAP, PostgreSQL) on 127.0.0.1 for Go tests, and
// reads calendars back with an independent client (python3-caldav).
//
// It owns only test plumbing: choosing a free port, writing a private
// configuration into t.TempDir(), waiting (with a bounded deadline) until the
// server answers, stopping it through t.Cleanup and showing its log when the
// test failed. Nothing here is used by the rmctl binary.
//
// The servers come from Debian packages (radicale, xandikos, python3-aiosmtpd,
// python3-caldav, dovecot-imapd, postgresql). PostgreSQL runs one server per
// test package (see Postgres), as the user postgres when the tests run as
// root, because initdb refuses root. When one is missing the test is skipped with the package
// name to install, except when the environment variable CI is non-empty: CI
// must have installed them, so there it is a failure.
//
// Python helpers always run with Debian's interpreter, /usr/bin/python3,
// because another python3 that lacks the Debian modules may come first on
// PATH.
package testserver
