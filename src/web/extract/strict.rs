//! Request bodies name their fields: a JSON array never stands in for an object.
//!
//! serde's derived `Deserialize` for a struct also accepts a sequence of the field values in
//! declaration order, so `["alice@example.com", "Alice"]` would pass for a `CreateUser`. The
//! contract speaks of objects only, and a positional body silently changes meaning when a field
//! is added or reordered. [`Strict`] reads a value through an adapter that refuses a sequence
//! wherever a struct is expected, at any depth, and changes nothing else.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Unexpected, Visitor};

/// `T`, read with every struct in it required to be an object.
pub struct Strict<T>(pub T);

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Strict<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(Objects(deserializer)).map(Strict)
    }
}

/// A deserializer whose structs (and struct variants) take the map form only.
struct Objects<D>(D);

/// The visitor a deserializer is handed; `object` when it visits a struct.
struct Guard<V> {
    inner: V,
    object: bool,
}

impl<V> Guard<V> {
    fn any(inner: V) -> Self {
        Self { inner, object: false }
    }

    fn object(inner: V) -> Self {
        Self { inner, object: true }
    }
}

/// Wraps what a nested value is read with, so the rule holds below the top level.
struct Seed<S>(S);
struct Map<A>(A);
struct Seq<A>(A);
struct Enum<A>(A);
struct Variant<A>(A);

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($arg,)* Guard::any(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Objects<D> {
    type Error = D::Error;

    forward! {
        deserialize_any(), deserialize_bool(), deserialize_i8(), deserialize_i16(), deserialize_i32(),
        deserialize_i64(), deserialize_i128(), deserialize_u8(), deserialize_u16(), deserialize_u32(),
        deserialize_u64(), deserialize_u128(), deserialize_f32(), deserialize_f64(), deserialize_char(),
        deserialize_str(), deserialize_string(), deserialize_bytes(), deserialize_byte_buf(),
        deserialize_option(), deserialize_unit(), deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str), deserialize_seq(), deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize), deserialize_map(),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]), deserialize_identifier(),
        deserialize_ignored_any(),
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, Guard::object(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! visit {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Guard<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.inner.expecting(f)
    }

    visit! {
        visit_bool(bool), visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64), visit_i128(i128),
        visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64), visit_u128(u128), visit_f32(f32),
        visit_f64(f64), visit_char(char), visit_str(&str), visit_borrowed_str(&'de str), visit_string(String),
        visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_some(Objects(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.inner.visit_newtype_struct(Objects(deserializer))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        if self.object {
            // Read to its end first: a syntax error inside stays a syntax error (400, not 422).
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            return Err(de::Error::invalid_type(Unexpected::Seq, &self));
        }
        self.inner.visit_seq(Seq(seq))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(Map(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(Enum(data))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Objects(deserializer))
    }
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Map<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Seq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Enum<A> {
    type Error = A::Error;
    type Variant = Variant<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0.variant_seed(Seed(seed)).map(|(value, variant)| (value, Variant(variant)))
    }
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Guard::any(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Guard::object(visitor))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::Strict;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        a: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        n: i64,
        inner: Inner,
        maybe: Option<Inner>,
        list: Vec<Inner>,
    }

    fn read(text: &str) -> Result<Outer, serde_json::Error> {
        serde_json::from_str::<Strict<Outer>>(text).map(|Strict(outer)| outer)
    }

    #[test]
    fn objects_are_read_as_before() {
        let outer = read(r#"{"n": 1, "inner": {"a": "x"}, "maybe": {"a": "y"}, "list": [{"a": "z"}]}"#).unwrap();
        assert_eq!(outer.inner, Inner { a: "x".into() });
        assert_eq!(outer.maybe, Some(Inner { a: "y".into() }));
        assert_eq!(outer.list, [Inner { a: "z".into() }]);
        let plain: Outer = serde_json::from_str(r#"{"n": 1, "inner": {"a": "x"}, "maybe": null, "list": []}"#).unwrap();
        assert_eq!(read(r#"{"n": 1, "inner": {"a": "x"}, "maybe": null, "list": []}"#).unwrap(), plain);
    }

    #[test]
    fn the_array_form_of_a_struct_is_refused_at_any_depth() {
        // serde alone takes every one of these.
        for text in [
            r#"[1, {"a": "x"}, null, []]"#,
            r#"{"n": 1, "inner": ["x"], "maybe": null, "list": []}"#,
            r#"{"n": 1, "inner": {"a": "x"}, "maybe": ["y"], "list": []}"#,
            r#"{"n": 1, "inner": {"a": "x"}, "maybe": null, "list": [["z"]]}"#,
        ] {
            assert!(serde_json::from_str::<Outer>(text).is_ok(), "{text}");
            let error = read(text).unwrap_err();
            assert!(error.is_data(), "{text}: {error}");
            assert!(error.to_string().contains("invalid type: sequence, expected struct"), "{text}: {error}");
        }
    }

    #[test]
    fn broken_json_in_an_array_is_a_syntax_error_still() {
        for text in ["[1, {\"a\"", "[1,2", r#"{"n": 1, "inner": ["x""#] {
            let error = read(text).unwrap_err();
            assert!(error.is_syntax() || error.is_eof(), "{text}: {error}");
        }
    }

    #[test]
    fn values_that_are_not_structs_keep_their_arrays() {
        let Strict(value) = serde_json::from_value::<Strict<serde_json::Value>>(json!([1, [2]])).unwrap();
        assert_eq!(value, json!([1, [2]]));
        let Strict(list) = serde_json::from_str::<Strict<Vec<(i64, String)>>>(r#"[[1, "a"]]"#).unwrap();
        assert_eq!(list, [(1, "a".to_owned())]);
    }
}
