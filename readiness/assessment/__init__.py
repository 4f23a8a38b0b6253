"""The pre-opening safety assessment (初期运营前安全评估): trial-run indicators, criteria profiles,
the verdict, snapshots and sign-off."""
