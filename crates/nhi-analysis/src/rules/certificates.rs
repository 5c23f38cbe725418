//! X.509 certificate rules: expired, expiring soon, validity longer than the CA/Browser Forum
//! limit, and signatures made with broken hashes.
//!
//! Invariant: time is judged only against `ctx.now`; each rule makes at most one finding per
//! certificate.

use super::credential_facts::{
    certificate_label, certificates, date, finding_about, relative_days, risk,
};
use super::example_builders::{certificate, example, with_certificate};
use crate::{AnalysisContext, RiskRule, RuleExample};
use chrono::Duration;
use nhi_model::{Finding, Inventory, OwaspNhi, RuleMeta, Severity};
use serde_json::json;

/// A certificate expiring within this many days is reported as expiring soon.
const EXPIRY_WARNING_DAYS: i64 = 30;
/// CA/Browser Forum Baseline Requirements limit for TLS leaf certificates (since 2020-09-01).
const MAX_LEAF_VALIDITY_DAYS: i64 = 398;
/// Hash names, lowercase, that make a signature forgeable.
const BROKEN_HASHES: &[&str] = &["md2", "md4", "md5", "sha1"];

static EXPIRED: RuleMeta = risk(
    "x509-certificate-expired",
    "Expired X.509 certificate",
    Severity::Medium,
    &[OwaspNhi::NHI1],
    "A certificate whose notAfter date has passed is still deployed or stored.",
    "Delete the expired certificate from where it is stored or deployed. If a service still presents it, \
     issue a replacement from your CA and automate renewal (ACME, cert-manager, a private CA with short lifetimes).",
);

static EXPIRING_SOON: RuleMeta = risk(
    "x509-certificate-expiring-soon",
    "X.509 certificate expires within 30 days",
    Severity::Low,
    &[OwaspNhi::NHI7],
    "A certificate expires within the next 30 days.",
    "Renew the certificate now and deploy the replacement before the old one expires; put renewal under \
     automation (ACME, cert-manager) so that it no longer depends on someone remembering.",
);

static LONG_VALIDITY: RuleMeta = risk(
    "x509-certificate-long-validity",
    "Leaf certificate valid for more than 398 days",
    Severity::Low,
    &[OwaspNhi::NHI7],
    "A leaf (non-CA) certificate is valid for longer than the 398 days that browsers accept.",
    "Reissue the certificate with a validity of 398 days or less (90 days or less when renewal is \
     automated), so that a leaked key stops being usable sooner.",
);

static WEAK_SIGNATURE: RuleMeta = risk(
    "x509-weak-signature",
    "X.509 certificate signed with MD5 or SHA-1",
    Severity::Medium,
    &[OwaspNhi::NHI4],
    "A certificate is signed with a broken hash (MD5 or SHA-1), so a forged certificate can share its signature.",
    "Reissue the certificate signed with SHA-256 or stronger (sha256WithRSAEncryption, ecdsa-with-SHA256, \
     Ed25519), and retire the CA configuration that still signs with SHA-1 or MD5.",
);

/// `x509-certificate-expired`: notAfter is before now.
pub(crate) struct CertificateExpired;

impl RiskRule for CertificateExpired {
    fn meta(&self) -> &RuleMeta {
        &EXPIRED
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        certificates(inventory)
            .filter(|(_, cert)| cert.not_after < ctx.now)
            .map(|(credential, cert)| {
                let days = (ctx.now - cert.not_after).num_days();
                let title = format!(
                    "Certificate {} expired {} ({})",
                    certificate_label(cert),
                    date(cert.not_after),
                    relative_days(-days)
                );
                let evidence = json!({
                    "subject": cert.subject, "issuer": cert.issuer, "not_after": cert.not_after,
                    "days_since_expiry": days, "sha256": cert.sha256,
                });
                finding_about(&EXPIRED, credential, None, title, evidence)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        vec![
            example(
                "certificate that expired yesterday",
                true,
                vec![certificate("old.acme", "old.pem", -365, -1)],
            ),
            example(
                "certificate valid for 200 more days",
                false,
                vec![certificate("api.acme", "api.pem", -100, 200)],
            ),
        ]
    }
}

/// `x509-certificate-expiring-soon`: notAfter is within the next 30 days.
pub(crate) struct CertificateExpiringSoon;

impl RiskRule for CertificateExpiringSoon {
    fn meta(&self) -> &RuleMeta {
        &EXPIRING_SOON
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        let horizon = ctx.now + Duration::days(EXPIRY_WARNING_DAYS);
        certificates(inventory)
            .filter(|(_, cert)| cert.not_after >= ctx.now && cert.not_after <= horizon)
            .map(|(credential, cert)| {
                let days = (cert.not_after - ctx.now).num_days();
                let title = format!(
                    "Certificate {} expires {} ({})",
                    certificate_label(cert),
                    date(cert.not_after),
                    relative_days(days)
                );
                let evidence = json!({
                    "subject": cert.subject, "not_after": cert.not_after, "days_left": days, "sha256": cert.sha256,
                });
                finding_about(&EXPIRING_SOON, credential, None, title, evidence)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        vec![
            example(
                "certificate expiring in 10 days",
                true,
                vec![certificate("soon.acme", "soon.pem", -80, 10)],
            ),
            example(
                "certificate expiring in 90 days",
                false,
                vec![certificate("api.acme", "api.pem", -100, 90)],
            ),
            example(
                "certificate already expired",
                false,
                vec![certificate("old.acme", "old.pem", -100, -1)],
            ),
        ]
    }
}

/// `x509-certificate-long-validity`: a leaf valid for more than 398 days (CAs exempt, expired
/// certificates left to the expiry rule).
pub(crate) struct CertificateLongValidity;

impl RiskRule for CertificateLongValidity {
    fn meta(&self) -> &RuleMeta {
        &LONG_VALIDITY
    }

    fn evaluate(&self, inventory: &Inventory, ctx: &AnalysisContext) -> Vec<Finding> {
        certificates(inventory)
            .filter(|(_, cert)| !cert.is_ca && cert.not_after >= ctx.now)
            .filter_map(|(credential, cert)| {
                let days = (cert.not_after - cert.not_before).num_days();
                (days > MAX_LEAF_VALIDITY_DAYS).then(|| {
                    let title = format!(
                        "Certificate {} is valid for {days} days (more than {MAX_LEAF_VALIDITY_DAYS})",
                        certificate_label(cert)
                    );
                    let evidence = json!({
                        "subject": cert.subject, "not_before": cert.not_before, "not_after": cert.not_after,
                        "validity_days": days, "limit_days": MAX_LEAF_VALIDITY_DAYS,
                    });
                    finding_about(&LONG_VALIDITY, credential, None, title, evidence)
                })
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let ca = with_certificate(certificate("Example CA", "ca.pem", -1000, 2650), |c| {
            c.is_ca = true
        });
        vec![
            example(
                "leaf valid for two years",
                true,
                vec![certificate("api.acme", "api.pem", -365, 365)],
            ),
            example("CA valid for ten years", false, vec![ca]),
            example(
                "leaf valid for 397 days",
                false,
                vec![certificate("www.acme", "www.pem", -197, 200)],
            ),
        ]
    }
}

/// `x509-weak-signature`: signed with MD5 or SHA-1 (self-signed roots exempt: nothing relies on
/// their signature).
pub(crate) struct CertificateWeakSignature;

impl RiskRule for CertificateWeakSignature {
    fn meta(&self) -> &RuleMeta {
        &WEAK_SIGNATURE
    }

    fn evaluate(&self, inventory: &Inventory, _ctx: &AnalysisContext) -> Vec<Finding> {
        certificates(inventory)
            .filter(|(_, cert)| !(cert.is_ca && cert.self_signed))
            .filter(|(_, cert)| {
                let algorithm = cert.signature_algorithm.to_ascii_lowercase();
                BROKEN_HASHES.iter().any(|hash| algorithm.contains(hash))
            })
            .map(|(credential, cert)| {
                let title = format!(
                    "Certificate {} is signed with {}",
                    certificate_label(cert),
                    cert.signature_algorithm
                );
                let evidence = json!({
                    "subject": cert.subject, "issuer": cert.issuer, "signature_algorithm": cert.signature_algorithm,
                });
                finding_about(&WEAK_SIGNATURE, credential, None, title, evidence)
            })
            .collect()
    }

    fn examples(&self) -> Vec<RuleExample> {
        let sha1 = |c: &mut nhi_model::CertificateDetails| {
            c.signature_algorithm = "sha1WithRSAEncryption".into()
        };
        let leaf = with_certificate(certificate("legacy.acme", "legacy.pem", -10, 300), sha1);
        let root = with_certificate(certificate("Old Root", "root.pem", -5000, 2000), |c| {
            sha1(c);
            c.is_ca = true;
            c.self_signed = true;
        });
        let md5 = with_certificate(certificate("md5.acme", "md5.pem", -10, 300), |c| {
            c.signature_algorithm = "md5WithRSAEncryption".into()
        });
        vec![
            example("leaf signed with sha1WithRSAEncryption", true, vec![leaf]),
            example("leaf signed with md5WithRSAEncryption", true, vec![md5]),
            example("self-signed root signed with SHA-1", false, vec![root]),
            example(
                "leaf signed with SHA-256",
                false,
                vec![certificate("api.acme", "api.pem", -10, 300)],
            ),
        ]
    }
}
