package ucicli

import (
	"errors"
	"reflect"
	"testing"
)

// shellWords splits one command line the way a POSIX shell does for
// simple words (no expansions are used by the corpus): blanks separate
// words; '...' is literal; "..." keeps everything but lets \ escape
// $ ` " \ and newline; an unquoted \ quotes the next character.
func shellWords(line string) ([]string, error) {
	var words []string
	var cur []byte
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, string(cur))
				cur, inWord = cur[:0:0], false
			}
		case c == '\'':
			j := i + 1
			for j < len(line) && line[j] != '\'' {
				j++
			}
			if j == len(line) {
				return nil, errors.New("unterminated '")
			}
			cur, inWord, i = append(cur, line[i+1:j]...), true, j
		case c == '"':
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) && (line[j+1] == '$' || line[j+1] == '`' || line[j+1] == '"' || line[j+1] == '\\' || line[j+1] == '\n') {
					j++
				}
				cur = append(cur, line[j])
			}
			if j == len(line) {
				return nil, errors.New(`unterminated "`)
			}
			inWord, i = true, j
		case c == '\\':
			if i+1 < len(line) {
				i++
				cur = append(cur, line[i])
			}
			inWord = true
		default:
			cur, inWord = append(cur, c), true
		}
	}
	if inWord {
		words = append(words, string(cur))
	}
	return words, nil
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`set a.b.c='x y'`, []string{"set", "a.b.c=x y"}},
		{`set a.b.c="it's"`, []string{"set", "a.b.c=it's"}},
		{`set a.b.c='it'\''s'`, []string{"set", "a.b.c=it's"}},
		{`set a.b.c="say \"hi\" \n"`, []string{"set", `a.b.c=say "hi" \n`}},
		{`set a.b.c=a\ b  x`, []string{"set", "a.b.c=a b", "x"}},
		{`set a.b.c=''`, []string{"set", "a.b.c="}},
	}
	for _, tt := range tests {
		got, err := shellWords(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
