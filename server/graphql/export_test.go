package graphql

// AuthLimitClients returns how many clients the handler's limit on failed authentications
// remembers.
func (h *Handler) AuthLimitClients() int { return h.limiter.size() }
