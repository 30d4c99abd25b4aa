//! The organisation-wide workflow settings, one synced record shared by every device.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{parse_percent, ApprovalPolicy, LoyaltyPolicy, MemberTier};
use crate::validation::{FieldError, Problem};

/// The fixed id of the one [`OrgSettings`] record, so every device edits the same record
/// and field-level merge reconciles concurrent changes instead of creating duplicates.
pub const SETTINGS_ID: Uuid = Uuid::from_u128(0x5e77_1165_0000_8000_8000_0000_0000_0001);

/// Loyalty and approval settings of the organisation, a synced record with a fixed id.
/// Missing fields take their defaults (1 point per yuan, default tiers, 10 % discount
/// limit), so a record whose fields arrive one by one deserializes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrgSettings {
    pub id: Uuid,
    pub loyalty: LoyaltyPolicy,
    pub approval: ApprovalPolicy,
    #[serde(default, rename = "_deleted")]
    pub deleted: bool,
}

impl Default for OrgSettings {
    fn default() -> Self {
        Self {
            id: SETTINGS_ID,
            loyalty: LoyaltyPolicy::default(),
            approval: ApprovalPolicy::default(),
            deleted: false,
        }
    }
}

impl OrgSettings {
    /// Every problem of every part at once, for the settings screen.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = self.loyalty.validate() {
            errors.extend(e);
        }
        if let Err(e) = self.approval.validate() {
            errors.extend(e);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// One member tier as typed on the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TierDraft {
    pub name: String,
    /// Whole points as typed ("5,000" is accepted).
    pub min_points: String,
}

/// What the settings form holds, as typed: numbers stay text until [`SettingsDraft::apply`]
/// so "abc" can be reported next to its field instead of being lost in a parse.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsDraft {
    pub points_per_yuan: String,
    pub tiers: Vec<TierDraft>,
    /// A percentage from 0 to 100 ("15", "15%").
    pub discount_limit_pct: String,
}

impl OrgSettings {
    /// The form prefilled from these settings (`1.0` shows as "1", `2.5` as "2.5").
    pub fn draft(&self) -> SettingsDraft {
        SettingsDraft {
            points_per_yuan: self.loyalty.points_per_yuan.to_string(),
            tiers: self
                .loyalty
                .tiers
                .iter()
                .map(|t| TierDraft {
                    name: t.name.clone(),
                    min_points: t.min_points.to_string(),
                })
                .collect(),
            discount_limit_pct: self.approval.discount_limit_pct.to_string(),
        }
    }
}

impl SettingsDraft {
    /// The form's edits on top of the settings stored now: a part the user changed from
    /// `opened` (what the form was filled with) keeps the form's text, every other part
    /// takes `current`, so a limit another device changed while someone edited the
    /// points rate here is not written back to its older value.
    pub fn rebase(&self, opened: &SettingsDraft, current: &SettingsDraft) -> SettingsDraft {
        let pick = |mine: &String, was: &String, now: &String| {
            if mine != was {
                mine.clone()
            } else {
                now.clone()
            }
        };
        SettingsDraft {
            points_per_yuan: pick(
                &self.points_per_yuan,
                &opened.points_per_yuan,
                &current.points_per_yuan,
            ),
            tiers: if self.tiers != opened.tiers {
                self.tiers.clone()
            } else {
                current.tiers.clone()
            },
            discount_limit_pct: pick(
                &self.discount_limit_pct,
                &opened.discount_limit_pct,
                &current.discount_limit_pct,
            ),
        }
    }

    /// Parses and validates the form onto `base`, returning every field error at once
    /// (each field and problem once): `points_per_yuan` not a number is `InvalidAmount`;
    /// a tier's minimum that is not a whole number is `("tiers", InvalidAmount)`;
    /// `discount_limit_pct` as [`ApprovalPolicy::validate`]; then [`OrgSettings::validate`].
    pub fn apply(&self, base: OrgSettings) -> Result<OrgSettings, Vec<FieldError>> {
        let mut errors: Vec<FieldError> = Vec::new();
        let mut out = base;
        match self.points_per_yuan.trim().parse::<f64>() {
            Ok(rate) => out.loyalty.points_per_yuan = rate,
            Err(_) => errors.push(FieldError::new("points_per_yuan", Problem::InvalidAmount)),
        }
        let mut tiers = Vec::with_capacity(self.tiers.len());
        let mut tiers_ok = true;
        for t in &self.tiers {
            let digits: String = t.min_points.trim().chars().filter(|c| *c != ',').collect();
            match digits.parse::<i64>() {
                Ok(min_points) => tiers.push(MemberTier {
                    name: t.name.trim().to_string(),
                    min_points,
                }),
                Err(_) => tiers_ok = false,
            }
        }
        if tiers_ok {
            out.loyalty.tiers = tiers;
        } else {
            errors.push(FieldError::new("tiers", Problem::InvalidAmount));
            if self.tiers.iter().any(|t| t.name.trim().is_empty()) {
                errors.push(FieldError::new("tiers", Problem::Required));
            }
        }
        match parse_percent(&self.discount_limit_pct) {
            Ok(limit) => out.approval.discount_limit_pct = limit,
            Err(p) => errors.push(FieldError::new("discount_limit_pct", p)),
        }
        if let Err(more) = out.validate() {
            let unparsed: Vec<&'static str> = errors.iter().map(|e| e.field).collect();
            errors.extend(more.into_iter().filter(|e| !unparsed.contains(&e.field)));
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            errors.sort_by_key(|e| match e.field {
                "points_per_yuan" => 0,
                "tiers" => 1,
                _ => 2,
            });
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Problem;

    #[test]
    fn rebase_keeps_the_forms_edits_and_takes_the_rest_from_what_is_stored_now() {
        let opened = OrgSettings::default().draft();
        let form = SettingsDraft {
            points_per_yuan: "2".into(),
            ..opened.clone()
        };
        let current = SettingsDraft {
            discount_limit_pct: "25".into(),
            ..opened.clone()
        };
        let saved = form.rebase(&opened, &current);
        assert_eq!(saved.points_per_yuan, "2");
        assert_eq!(saved.discount_limit_pct, "25");
        assert_eq!(saved.tiers, opened.tiers);
        assert_eq!(opened.rebase(&opened, &current), current);
    }

    #[test]
    fn every_device_uses_the_same_record() {
        assert_eq!(OrgSettings::default().id, SETTINGS_ID);
        assert_eq!(SETTINGS_ID.get_version_num(), 8);
        let partial: OrgSettings =
            serde_json::from_str(r#"{"approval":{"discount_limit_pct":15.0}}"#).unwrap();
        assert_eq!(partial.id, SETTINGS_ID);
        assert_eq!(partial.approval.discount_limit_pct, 15.0);
        assert_eq!(partial.loyalty, LoyaltyPolicy::default());
        let json = serde_json::to_value(OrgSettings::default()).unwrap();
        assert_eq!(json["_deleted"], false);
        assert_eq!(json["loyalty"]["points_per_yuan"], 1.0);
    }

    #[test]
    fn validation_collects_both_parts() {
        assert_eq!(OrgSettings::default().validate(), Ok(()));
        let mut s = OrgSettings::default();
        s.loyalty.points_per_yuan = 0.0;
        s.approval.discount_limit_pct = 120.0;
        let problems: Vec<_> = s
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.problem))
            .collect();
        assert_eq!(
            problems,
            vec![
                ("points_per_yuan", Problem::InvalidAmount),
                ("discount_limit_pct", Problem::InvalidAmount)
            ]
        );
        s.approval.discount_limit_pct = -1.0;
        assert_eq!(
            s.approval.validate().unwrap_err()[0].problem,
            Problem::Negative
        );
    }

    #[test]
    fn drafts_parse_and_validate() {
        let base = OrgSettings::default();
        let draft = base.draft();
        assert_eq!(draft.points_per_yuan, "1");
        assert_eq!(draft.discount_limit_pct, "10");
        assert_eq!(draft.tiers[1].min_points, "5000");
        assert_eq!(draft.apply(base.clone()), Ok(base.clone()));

        let problems = |d: SettingsDraft| -> Vec<(&'static str, Problem)> {
            d.apply(OrgSettings::default())
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.problem))
                .collect()
        };
        let with = |rate: &str, limit: &str| SettingsDraft {
            points_per_yuan: rate.into(),
            discount_limit_pct: limit.into(),
            ..OrgSettings::default().draft()
        };
        assert_eq!(
            problems(with("abc", "15")),
            vec![("points_per_yuan", Problem::InvalidAmount)]
        );
        assert_eq!(
            problems(with("0", "abc")),
            vec![
                ("points_per_yuan", Problem::InvalidAmount),
                ("discount_limit_pct", Problem::InvalidAmount)
            ]
        );
        assert_eq!(
            problems(with("-1", "-5")),
            vec![
                ("points_per_yuan", Problem::Negative),
                ("discount_limit_pct", Problem::Negative)
            ]
        );
        let mut bad_tiers = OrgSettings::default().draft();
        bad_tiers.tiers[1].min_points = "lots".into();
        bad_tiers.tiers[2].name = " ".into();
        assert_eq!(
            problems(bad_tiers),
            vec![
                ("tiers", Problem::InvalidAmount),
                ("tiers", Problem::Required)
            ]
        );
        let mut unordered = OrgSettings::default().draft();
        unordered.tiers[2].min_points = "1,000".into();
        assert_eq!(problems(unordered), vec![("tiers", Problem::InvalidAmount)]);

        let mut ok = with(" 2 ", "15%");
        ok.tiers[1].min_points = "6,000".into();
        let s = ok.apply(OrgSettings::default()).unwrap();
        assert_eq!(s.loyalty.points_per_yuan, 2.0);
        assert_eq!(s.loyalty.tiers[1].min_points, 6_000);
        assert_eq!(s.approval.discount_limit_pct, 15.0);
        assert_eq!(s.id, SETTINGS_ID);
    }
}
