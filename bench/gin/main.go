// The Go/Gin reference for bench/http-load.mjs: user.me's work as a Go backend would do it, so the
// Node server's CPU per request can be compared with what the backends it replaces spend.
//
// GET /bench/user-me does what the bare Fastify route (bench/server-entry.ts) does:
//   - the Authorization header's Bearer token verified as packages/api's AccessTokens.verify does it
//     with jose: HS256 only, signature, iss, aud, exp (30 s tolerance), nbf if present, sub/jti/iat/exp
//     required, sub a positive integer, sid and jti strings;
//   - the revocation check of MemoryRevocationStore (the server's store without Redis): revoked
//     sessions of the last TTL + 60 s held in memory, filled from auth_sessions on first use, the
//     database asked for each check until then;
//   - one primary-key select of the user (a statement prepared once per connection, as database/sql does);
//   - the same JSON as the bare route: { id, nickname, avatarUrl, phoneMasked, createdAt, updatedAt },
//     the phone masked as @app/shared's maskPhone, times as JavaScript's toISOString;
//   - what the Node server does to every request: a request id (a random UUID, echoed as
//     x-request-id), helmet's headers, and one JSON log line on stdout (one write, as pino's default
//     synchronous destination does).
//
// GET /healthz answers {"ok":true}.
//
// Built by bench/go-reference.mjs with Debian's Go packages (GOPATH mode, no module download).
// Configured by environment: PORT, HOST, DATABASE_URL (mysql://user:pass@host:port/db), JWT_SECRET,
// JWT_ISSUER, JWT_AUDIENCE, ACCESS_TOKEN_TTL_SECONDS, JWT_CLOCK_TOLERANCE_SECONDS, DB_POOL_SIZE.
package main

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-sql-driver/mysql"
	"github.com/golang-jwt/jwt"
)

func env(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func envInt(name string, fallback int) int {
	value, err := strconv.Atoi(env(name, strconv.Itoa(fallback)))
	if err != nil {
		return fallback
	}
	return value
}

// mysql://user:pass@host:port/db → the driver's DSN, times in UTC as the Node server reads them.
func dsnOf(raw string) (string, error) {
	parsed, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	config := mysql.NewConfig()
	config.User = parsed.User.Username()
	config.Passwd, _ = parsed.User.Password()
	config.Net = "tcp"
	config.Addr = parsed.Host
	config.DBName = strings.TrimPrefix(parsed.Path, "/")
	config.ParseTime = true
	config.Loc = time.UTC
	config.Collation = "utf8mb4_unicode_ci"
	return config.FormatDSN(), nil
}

// --- access tokens ----------------------------------------------------------

type authError struct{ code string }

func (e *authError) Error() string { return e.code }

type verifier struct {
	secret    []byte
	issuer    string
	audience  string
	tolerance int64
	parser    *jwt.Parser
}

type session struct {
	userID    int64
	sessionID string
}

func claimString(claims jwt.MapClaims, name string) (string, bool) {
	value, ok := claims[name].(string)
	return value, ok
}

func claimNumber(claims jwt.MapClaims, name string) (float64, bool) {
	value, ok := claims[name].(float64)
	return value, ok
}

// The checks of jose's jwtVerify with AccessTokens.verify's options, in its order.
func (v *verifier) verify(token string) (session, error) {
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(*jwt.Token) (interface{}, error) { return v.secret, nil })
	if err != nil {
		var validation *jwt.ValidationError
		if errors.As(err, &validation) {
			switch {
			case validation.Errors&jwt.ValidationErrorSignatureInvalid != 0:
				if strings.Contains(validation.Error(), "signing method") {
					return session{}, &authError{"AUTH_TOKEN_ALGORITHM_INVALID"}
				}
				return session{}, &authError{"AUTH_TOKEN_SIGNATURE_INVALID"}
			case validation.Errors&jwt.ValidationErrorUnverifiable != 0:
				return session{}, &authError{"AUTH_TOKEN_ALGORITHM_INVALID"}
			}
		}
		return session{}, &authError{"AUTH_TOKEN_MALFORMED"}
	}
	for _, name := range []string{"sub", "jti", "iat", "exp"} {
		if _, ok := claims[name]; !ok {
			return session{}, &authError{"AUTH_TOKEN_CLAIMS_INVALID"}
		}
	}
	if issuer, ok := claimString(claims, "iss"); !ok || issuer != v.issuer {
		return session{}, &authError{"AUTH_TOKEN_CLAIMS_INVALID"}
	}
	if !claims.VerifyAudience(v.audience, true) {
		return session{}, &authError{"AUTH_TOKEN_CLAIMS_INVALID"}
	}
	now := time.Now().Unix()
	if _, ok := claimNumber(claims, "iat"); !ok {
		return session{}, &authError{"AUTH_TOKEN_CLAIMS_INVALID"}
	}
	if raw, present := claims["nbf"]; present {
		nbf, ok := raw.(float64)
		if !ok || int64(nbf) > now+v.tolerance {
			return session{}, &authError{"AUTH_TOKEN_CLAIMS_INVALID"}
		}
	}
	exp, ok := claimNumber(claims, "exp")
	if !ok {
		return session{}, &authError{"AUTH_TOKEN_CLAIMS_INVALID"}
	}
	if exp <= float64(now-v.tolerance) {
		return session{}, &authError{"AUTH_TOKEN_EXPIRED"}
	}
	subject, _ := claimString(claims, "sub")
	userID, err := strconv.ParseInt(subject, 10, 64)
	sessionID, hasSid := claimString(claims, "sid")
	_, hasJti := claimString(claims, "jti")
	if err != nil || userID <= 0 || userID > 1<<53-1 || !hasSid || !hasJti {
		return session{}, &authError{"AUTH_TOKEN_CLAIMS_INVALID"}
	}
	return session{userID: userID, sessionID: sessionID}, nil
}

// --- revocations (MemoryRevocationStore) --------------------------------------

type revocations struct {
	db      *sql.DB
	ttl     time.Duration
	mu      sync.RWMutex
	until   map[string]time.Time
	ready   bool
	filling bool
}

func (r *revocations) askRecord(sessionID string) (bool, error) {
	var revokedAt sql.NullTime
	err := r.db.QueryRow("SELECT revoked_at FROM auth_sessions WHERE id = ?", sessionID).Scan(&revokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil // a session that does not exist counts as revoked
	}
	if err != nil {
		return false, err
	}
	return revokedAt.Valid, nil
}

func (r *revocations) fill() {
	rows, err := r.db.Query("SELECT id FROM auth_sessions WHERE revoked_at >= ?", time.Now().Add(-r.ttl))
	if err == nil {
		defer rows.Close()
		until := map[string]time.Time{}
		for rows.Next() {
			var id string
			if rows.Scan(&id) == nil {
				until[id] = time.Now().Add(r.ttl)
			}
		}
		err = rows.Err()
		if err == nil {
			r.mu.Lock()
			r.until, r.ready = until, true
			r.mu.Unlock()
			return
		}
	}
	r.mu.Lock()
	r.filling = false // the next check tries again
	r.mu.Unlock()
}

func (r *revocations) isRevoked(sessionID string) (bool, error) {
	r.mu.RLock()
	ready, until := r.ready, r.until[sessionID]
	r.mu.RUnlock()
	if ready {
		return !until.IsZero() && until.After(time.Now()), nil
	}
	r.mu.Lock()
	start := !r.filling
	r.filling = true
	r.mu.Unlock()
	if start {
		go r.fill()
	}
	return r.askRecord(sessionID)
}

// --- the user -----------------------------------------------------------------

var nonDigits = regexp.MustCompile(`\D`)

// @app/shared's maskPhone: 13800138000 → 138****8000 of the national number.
func maskPhone(phone string) string {
	all := nonDigits.ReplaceAllString(phone, "")
	digits := all
	if len(all) == 13 && strings.HasPrefix(all, "86") {
		digits = all[2:]
	}
	if len(digits) < 7 {
		return "****"
	}
	return digits[:3] + "****" + digits[len(digits)-4:]
}

type publicUser struct {
	ID          int64   `json:"id"`
	Nickname    *string `json:"nickname"`
	AvatarURL   *string `json:"avatarUrl"`
	PhoneMasked *string `json:"phoneMasked"`
	CreatedAt   string  `json:"createdAt"`
	UpdatedAt   string  `json:"updatedAt"`
}

// JavaScript's Date#toISOString: always milliseconds, always Z.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func optional(value sql.NullString) *string {
	if !value.Valid {
		return nil
	}
	return &value.String
}

// --- the request line and headers ---------------------------------------------

// helmet's headers as the Node server sends them (contentSecurityPolicy off, CORP cross-origin).
var securityHeaders = [][2]string{
	{"Cross-Origin-Opener-Policy", "same-origin"},
	{"Cross-Origin-Resource-Policy", "cross-origin"},
	{"Origin-Agent-Cluster", "?1"},
	{"Referrer-Policy", "no-referrer"},
	{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-DNS-Prefetch-Control", "off"},
	{"X-Download-Options", "noopen"},
	{"X-Frame-Options", "SAMEORIGIN"},
	{"X-Permitted-Cross-Domain-Policies", "none"},
	{"X-XSS-Protection", "0"},
}

func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

func requestContext(version string) gin.HandlerFunc {
	return func(c *gin.Context) {
		started := time.Now()
		id := c.GetHeader("x-request-id")
		if !saneRequestID.MatchString(id) {
			id = uuid4()
		}
		header := c.Writer.Header()
		for _, h := range securityHeaders {
			header[h[0]] = []string{h[1]}
		}
		header["X-Request-Id"] = []string{id}
		c.Next()
		// One line per request, like the Node server's pino line (level, time, service, version, reqId, …).
		line, _ := json.Marshal(map[string]interface{}{
			"level":      "info",
			"time":       time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
			"service":    "server",
			"version":    version,
			"reqId":      id,
			"method":     c.Request.Method,
			"path":       c.Request.URL.Path,
			"status":     c.Writer.Status(),
			"durationMs": math.Round(float64(time.Since(started).Microseconds())/10) / 100,
			"msg":        "request",
		})
		_, _ = os.Stdout.Write(append(line, '\n'))
	}
}

func fail(c *gin.Context, status int, code string) {
	c.Data(status, "application/json; charset=utf-8", []byte(fmt.Sprintf(`{"code":%q}`, code)))
}

func main() {
	dsn, err := dsnOf(env("DATABASE_URL", ""))
	if err != nil {
		fmt.Fprintln(os.Stderr, "DATABASE_URL:", err)
		os.Exit(1)
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The Node server's pool: DB_POOL_SIZE connections (default 10), kept open.
	pool := envInt("DB_POOL_SIZE", 10)
	db.SetMaxOpenConns(pool)
	db.SetMaxIdleConns(pool)
	selectUser, err := db.Prepare("SELECT id, nickname, avatar_url, phone, created_at, updated_at FROM users WHERE id = ?")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	tolerance := int64(envInt("JWT_CLOCK_TOLERANCE_SECONDS", 30))
	tokens := &verifier{
		secret:    []byte(env("JWT_SECRET", "")),
		issuer:    env("JWT_ISSUER", "wechat-miniprogram-api"),
		audience:  env("JWT_AUDIENCE", "wechat-miniprogram"),
		tolerance: tolerance,
		// HS256 only; the claims are checked below, with jose's tolerance and required claims.
		parser: &jwt.Parser{ValidMethods: []string{"HS256"}, SkipClaimsValidation: true},
	}
	revoked := &revocations{db: db, ttl: time.Duration(envInt("ACCESS_TOKEN_TTL_SECONDS", 900)+60) * time.Second}
	bearer := regexp.MustCompile(`^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$`)

	gin.SetMode(gin.ReleaseMode)
	router := gin.New()
	router.Use(requestContext(env("APP_VERSION", "bench")))
	router.GET("/healthz", func(c *gin.Context) {
		c.Data(http.StatusOK, "application/json; charset=utf-8", []byte(`{"ok":true}`))
	})
	router.GET("/bench/user-me", func(c *gin.Context) {
		authorization := c.GetHeader("Authorization")
		if authorization == "" {
			fail(c, http.StatusUnauthorized, "AUTH_REQUIRED")
			return
		}
		match := bearer.FindStringSubmatch(authorization)
		if match == nil {
			fail(c, http.StatusUnauthorized, "AUTH_TOKEN_MALFORMED")
			return
		}
		s, err := tokens.verify(match[1])
		if err != nil {
			fail(c, http.StatusUnauthorized, err.Error())
			return
		}
		isRevoked, err := revoked.isRevoked(s.sessionID)
		if err != nil {
			fail(c, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
			return
		}
		if isRevoked {
			fail(c, http.StatusUnauthorized, "AUTH_SESSION_REVOKED")
			return
		}
		var (
			user                    publicUser
			nickname, avatar, phone sql.NullString
			createdAt, updatedAt    time.Time
		)
		err = selectUser.QueryRow(s.userID).Scan(&user.ID, &nickname, &avatar, &phone, &createdAt, &updatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			fail(c, http.StatusUnauthorized, "AUTH_SESSION_REVOKED")
			return
		}
		if err != nil {
			fail(c, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE")
			return
		}
		user.Nickname, user.AvatarURL = optional(nickname), optional(avatar)
		if phone.Valid {
			masked := maskPhone(phone.String)
			user.PhoneMasked = &masked
		}
		user.CreatedAt, user.UpdatedAt = isoTime(createdAt), isoTime(updatedAt)
		// As JSON.stringify writes it: no HTML escaping of <, > and &.
		var body bytes.Buffer
		encoder := json.NewEncoder(&body)
		encoder.SetEscapeHTML(false)
		_ = encoder.Encode(user)
		c.Data(http.StatusOK, "application/json; charset=utf-8", bytes.TrimRight(body.Bytes(), "\n"))
	})

	address := env("HOST", "127.0.0.1") + ":" + env("PORT", "3000")
	if err := router.Run(address); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
