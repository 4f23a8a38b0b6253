"""The layered safety-responsibility system (安全生产责任体系): organisation, letters, checks."""
