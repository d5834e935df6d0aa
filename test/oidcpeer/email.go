package oidcpeer

// SetUserEmail changes the email (and its verified flag) of the provider
// account username, as its holder can at a real provider; it reports
// whether the user exists. Tokens issued afterwards carry the new values.
func (p *Peer) SetUserEmail(username, email string, verified bool) bool {
	return p.store.users.setEmail(username, email, verified)
}

func (s *userStore) setEmail(username, email string, verified bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.Username == username {
			u.Email, u.EmailVerified = email, verified
			return true
		}
	}
	return false
}
