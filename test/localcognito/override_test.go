package localcognito

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestOverrideWholeNumbers: a whole-number claim a pre token generation
// trigger adds is signed as an integer (readers of epoch seconds refuse
// 1.79619002e+09); other numbers stay as they are.
func TestOverrideWholeNumbers(t *testing.T) {
	claims := map[string]any{}
	override(claims, map[string]any{"cognitobridge:stepup_at": float64(1796190020), "ratio": 0.5}, nil)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	if p := string(payload); !strings.Contains(p, `"cognitobridge:stepup_at":1796190020`) || !strings.Contains(p, `"ratio":0.5`) {
		t.Fatalf("payload %s", p)
	}
}
