//! Which technique actions each policy statement mentions, computed once per policy: managed
//! policies are shared by thousands of principals, so their statements are matched once.

use super::super::eval::{ActionView, Permissions};
use super::super::policy::Policy;
use super::super::techniques::{IAM_TECHNIQUES, SERVICE_TECHNIQUES};
use super::ASSUME_ROLE;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Which of the technique actions each statement of a policy mentions, as a bit set, computed
/// once per policy (managed policies are shared by many principals).
pub(super) struct ActionIndex {
    actions: Vec<&'static str>,
    position: HashMap<&'static str, usize>,
    masks: HashMap<usize, Vec<u128>>,
}

impl ActionIndex {
    /// An index over every action the techniques name.
    pub(super) fn new() -> ActionIndex {
        let mut actions: Vec<&'static str> = vec![ASSUME_ROLE, "iam:passrole"];
        actions.extend(IAM_TECHNIQUES.iter().map(|t| t.action));
        actions.extend(
            SERVICE_TECHNIQUES
                .iter()
                .flat_map(|t| t.actions.iter().flat_map(|g| g.iter().copied())),
        );
        let mut seen = HashSet::new();
        actions.retain(|a| seen.insert(*a));
        assert!(
            actions.len() <= 128,
            "technique actions exceed the 128-bit mask"
        );
        let position = actions.iter().enumerate().map(|(i, a)| (*a, i)).collect();
        ActionIndex {
            actions,
            position,
            masks: HashMap::new(),
        }
    }

    /// Compute the masks of these policies, once each.
    pub(super) fn prepare(&mut self, policies: &[Arc<Policy>]) {
        for policy in policies {
            let key = Arc::as_ptr(policy) as usize;
            if self.masks.contains_key(&key) {
                continue;
            }
            let masks = policy
                .statements
                .iter()
                .map(|s| {
                    self.actions
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| s.actions.matches(a))
                        .fold(0u128, |m, (i, _)| m | (1 << i))
                })
                .collect();
            self.masks.insert(key, masks);
        }
    }

    /// The statements of `permissions` that mention `action` (one of the indexed actions).
    pub(super) fn view<'p>(&self, permissions: &'p Permissions, action: &str) -> ActionView<'p> {
        let bit = 1u128 << self.position[action];
        permissions.view_where(|policy, i| {
            self.masks
                .get(&(Arc::as_ptr(policy) as usize))
                .is_some_and(|m| m[i] & bit != 0)
        })
    }
}
