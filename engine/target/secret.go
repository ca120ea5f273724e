package target

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Secret resolves a target password from the environment variable named
// env, or else from a credentials file holding KEY=VALUE lines (the key
// being env, or "password"). Secrets never come from program or settings
// files, and errors name where rmctl looked, never the value.
func Secret(getenv func(string) string, env, credentialsFile string) (string, error) {
	if env != "" {
		if v := getenv(env); v != "" {
			return v, nil
		}
	}
	if credentialsFile != "" {
		f, err := os.Open(credentialsFile)
		if err != nil {
			return "", fmt.Errorf("reading credentials file: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
			if !ok || strings.HasPrefix(k, "#") {
				continue
			}
			k = strings.TrimSpace(k)
			if k == env && env != "" || strings.EqualFold(k, "password") {
				return strings.TrimSpace(v), nil
			}
		}
		if err := sc.Err(); err != nil {
			return "", fmt.Errorf("reading credentials file %s: %w", credentialsFile, err)
		}
		return "", fmt.Errorf("credentials file %s has no %s= or password= line", credentialsFile, env)
	}
	if env != "" {
		return "", fmt.Errorf("the password is expected in the environment variable %s, which is not set", env)
	}
	return "", nil
}
