//! The Gasworks contract SDK's macros; use them through `gasworks_sdk`.
//!
//! - `#[contract]` on an inherent `impl` block: its `pub fn`s are the
//!   contract's methods, dispatched by the generated `execute` export.
//! - `#[derive(Event)]`: an `Event` impl from a struct's fields.

#![forbid(unsafe_code)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Data, DeriveInput, Fields, FnArg, ImplItem, ItemImpl, Pat, ReturnType, Type, Visibility,
    parse_macro_input,
};

/// Declares a contract's methods: every `pub fn` of the `impl` block (an
/// associated function, without `self`) is a method, called by its name
/// with borsh-encoded arguments; other functions are private helpers.
///
/// The macro keeps the block as it is and adds, on wasm32, the export
/// `execute` that reads the input (borsh of the method name, then the
/// arguments in order), decodes each argument by value, calls the method
/// and sets the borsh encoding of its result as the return data. A method
/// whose return type is a `Result<T, E>` (with `E: Debug`; however it is
/// spelled: an alias, a full path, a re-export) returns
/// `T` on `Ok` and fails the call on `Err`, with the message
/// ``method `name` returned Err(<E's Debug>)``. An unknown method,
/// arguments that do not decode, or input left after them fail the call
/// with a message saying which.
///
/// It also generates `NameRef` (for `impl Name`), a typed reference to a
/// deployed contract: `NameRef::new(address)` and one method per contract
/// method, with the method's arguments, returning a
/// `gasworks_sdk::call::Call` of its result (the `T` of a `Result<T, E>`,
/// however spelled). Invoke it from another contract (`.invoke()`), or in a
/// test (`TestChain::invoke`): the compiler checks the arguments and the
/// result type. Another contract that uses the reference depends on this
/// crate with its `library` feature, which leaves out the `execute`
/// export.
///
/// One `#[contract]` block per contract crate (it defines the export).
#[proc_macro_attribute]
pub fn contract(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            TokenStream2::from(attr).span(),
            "#[contract] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let block = parse_macro_input!(item as ItemImpl);
    match expand_contract(&block) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand_contract(block: &ItemImpl) -> syn::Result<TokenStream2> {
    if let Some((_, path, _)) = &block.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "#[contract] goes on an inherent impl block (`impl MyContract { .. }`)",
        ));
    }
    if !block.generics.params.is_empty() {
        return Err(syn::Error::new(
            block.generics.span(),
            "a contract type cannot be generic",
        ));
    }
    let self_ty = &block.self_ty;
    let Type::Path(self_path) = &**self_ty else {
        return Err(syn::Error::new(
            self_ty.span(),
            "#[contract] goes on the impl block of a named type (`impl MyContract { .. }`)",
        ));
    };
    let Some(self_ident) = self_path.path.segments.last().map(|s| s.ident.clone()) else {
        return Err(syn::Error::new(self_ty.span(), "expected a type name"));
    };
    let ref_ident = format_ident!("{}Ref", self_ident);
    let mut arms = Vec::new();
    let mut ref_methods = Vec::new();
    let mut method_names = Vec::new();
    for item in &block.items {
        let ImplItem::Fn(function) = item else {
            continue;
        };
        if !matches!(function.vis, Visibility::Public(_)) {
            continue;
        }
        let sig = &function.sig;
        let name = &sig.ident;
        let method = name.to_string();
        method_names.push(method.clone());
        // A method compiled out (`#[cfg(feature = "admin")]`) must take its
        // dispatch arm with it: the arm carries the method's `cfg`s.
        let cfgs: Vec<_> = function
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg"))
            .collect();
        if let Some(receiver) = sig.receiver() {
            return Err(syn::Error::new(
                receiver.span(),
                "contract methods take no `self`: state lives in storage \
                 (gasworks_sdk::storage)",
            ));
        }
        if !sig.generics.params.is_empty() {
            return Err(syn::Error::new(
                sig.generics.span(),
                "contract methods cannot be generic",
            ));
        }
        if let Some(token) = &sig.asyncness {
            return Err(syn::Error::new(
                token.span(),
                "contract methods cannot be async",
            ));
        }
        let mut decode = Vec::new();
        let mut args = Vec::new();
        // For the generated reference: its parameters and how each is
        // appended to the input.
        let mut ref_params = Vec::new();
        let mut ref_pushes = Vec::new();
        let mut signature = Vec::new();
        for (index, input) in sig.inputs.iter().enumerate() {
            let FnArg::Typed(typed) = input else {
                continue;
            };
            if let Type::Reference(reference) = &*typed.ty {
                return Err(syn::Error::new(
                    reference.span(),
                    "arguments are decoded by value: take `String`, `Vec<u8>`, .. \
                     rather than a reference",
                ));
            }
            let (arg_name, param) = match &*typed.pat {
                Pat::Ident(ident) => (ident.ident.to_string(), ident.ident.clone()),
                _ => (format!("#{index}"), format_ident!("arg{}", index)),
            };
            let local = format_ident!("__gasworks_arg{}", index);
            let ty = &typed.ty;
            let ty_name = type_name(ty);
            decode.push(quote_spanned! {typed.span()=>
                let #local: #ty = ::gasworks_sdk::__private::arg(
                    &mut __gasworks_input,
                    &::gasworks_sdk::__private::ArgSpec {
                        method: #method,
                        name: #arg_name,
                        ty: #ty_name,
                    },
                );
            });
            args.push(local);
            signature.push(format!("{arg_name}: {ty_name}"));
            ref_params.push(quote! { #param: #ty });
            ref_pushes.push(quote! {
                ::gasworks_sdk::__private::push_arg(&mut __gasworks_input, &#param);
            });
        }
        let signature = signature.join(", ");
        let call = quote! { <#self_ty>::#name(#(#args),*) };
        // Whether the method is fallible is decided by its return type,
        // not by how the type is spelled: see `__private::Returned`.
        let finish = quote! {
            #[allow(unused_imports)]
            use ::gasworks_sdk::__private::{FinishFallible as _, FinishInfallible as _};
            ::gasworks_sdk::__private::Returned(#call).finish(#method);
        };
        let docs: Vec<_> = function
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("doc"))
            .collect();
        let returned = match &sig.output {
            ReturnType::Default => quote!(()),
            ReturnType::Type(_, ty) => quote!(#ty),
        };
        let ok = quote! {
            <::gasworks_sdk::__private::Tag<#returned> as ::gasworks_sdk::__private::Pick<{
                #[allow(unused_imports)]
                use ::gasworks_sdk::__private::IsResultFallback as _;
                ::gasworks_sdk::__private::Tag::<#returned>::IS_RESULT
            }>>::Ok
        };
        let ok_doc = format!(
            " A call of `{method}({signature})`: the method's result, without its \
             `Result` when it has one (an `Err` fails the call)."
        );
        ref_methods.push(quote! {
            #(#docs)*
            ///
            #[doc = #ok_doc]
            #(#cfgs)*
            #[allow(clippy::too_many_arguments)]
            pub fn #name(&self, #(#ref_params),*) -> ::gasworks_sdk::call::Call<#ok> {
                let mut __gasworks_input = ::gasworks_sdk::__private::method_input(#method);
                #(#ref_pushes)*
                ::gasworks_sdk::call::Call::new(self.0, #method, __gasworks_input)
            }
        });
        arms.push(quote! {
            #(#cfgs)*
            #method => {
                #(#decode)*
                ::gasworks_sdk::__private::end_of_arguments(
                    __gasworks_input,
                    &::gasworks_sdk::__private::MethodSpec {
                        method: #method,
                        signature: #signature,
                    },
                );
                #finish
            }
        });
    }
    if arms.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "a contract needs at least one `pub fn` method",
        ));
    }
    // `new` and `address` unless the contract has methods of those names,
    // whose reference methods they would collide with (then `Ref(address)`
    // and `.0` do the same).
    let constructor = (!method_names.iter().any(|m| m == "new")).then(|| {
        quote! {
            /// The reference to the contract at `address`.
            pub const fn new(address: ::gasworks_sdk::Address) -> Self {
                Self(address)
            }
        }
    });
    let getter = (!method_names.iter().any(|m| m == "address")).then(|| {
        quote! {
            /// The contract's address.
            pub const fn address(&self) -> ::gasworks_sdk::Address {
                self.0
            }
        }
    });
    let ref_doc = format!(
        " A typed reference to a deployed `{self_ident}` (generated by `#[contract]`): \
         `new(address)`, `address()` (unless the contract has methods of those names; \
         the field `.0` is the address) and one method per contract method, with its \
         arguments, returning a \
         [`Call`](::gasworks_sdk::call::Call) of its result type. From another \
         contract, `.invoke()` it (that contract depends on this crate with its \
         `library` feature, which leaves out this crate's `execute` export); in a \
         test, `TestChain::invoke` it."
    );
    Ok(quote! {
        #block

        #[doc = #ref_doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct #ref_ident(pub ::gasworks_sdk::Address);

        impl #ref_ident {
            #constructor
            #getter
            #(#ref_methods)*
        }

        impl ::core::convert::From<::gasworks_sdk::Address> for #ref_ident {
            fn from(address: ::gasworks_sdk::Address) -> Self {
                Self(address)
            }
        }

        // In a `const` item so that the `allow` covers the `cfg`: a crate
        // that does not declare a `library` feature (it is never called
        // through its reference from another contract) gets no warning.
        #[allow(unexpected_cfgs)]
        const _: () = {
            /// The contract's entry point (generated by `#[contract]`): reads
            /// `(method name, arguments)` and runs the method. Left out with
            /// the crate's `library` feature, for another contract that
            /// depends on this crate for its reference.
            #[cfg(all(target_arch = "wasm32", not(feature = "library")))]
            #[unsafe(no_mangle)]
            pub extern "C" fn execute() {
                let __gasworks_bytes = ::gasworks_sdk::__private::input();
                let mut __gasworks_input: &[u8] = &__gasworks_bytes;
                match ::gasworks_sdk::__private::method(&mut __gasworks_input) {
                    #(#arms)*
                    other => ::gasworks_sdk::__private::unknown_method(other),
                }
            }
        };
    })
}

/// Implements `gasworks_sdk::events::Event` for a struct: the name (first
/// topic) is the struct's name, or `#[event(name = "...")]`; each field
/// marked `#[topic]` (at most three) is a further topic, its borsh
/// encoding; the data is the borsh encoding of the other fields in order.
/// `decode` reads such an event back (every field, topics included, must
/// be `BorshDeserialize`).
#[proc_macro_derive(Event, attributes(topic, event))]
pub fn derive_event(item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as DeriveInput);
    match expand_event(&input) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand_event(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(Event)] is for structs (one struct per event)",
        ));
    };
    let mut name = input.ident.to_string();
    for attr in &input.attrs {
        if attr.path().is_ident("event") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    name = value.value();
                    Ok(())
                } else {
                    Err(meta.error("expected `name = \"...\"`"))
                }
            })?;
        }
    }
    if name.is_empty() || name.len() > 64 {
        return Err(syn::Error::new(
            input.ident.span(),
            "an event name is 1 to 64 bytes (it is a topic)",
        ));
    }
    let fields: Vec<(TokenStream2, bool, Span)> = match &data.fields {
        Fields::Named(named) => named
            .named
            .iter()
            .map(|f| {
                let ident = f.ident.as_ref().map(|i| quote!(#i)).unwrap_or_default();
                (ident, is_topic(f), f.span())
            })
            .collect(),
        Fields::Unnamed(unnamed) => unnamed
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let index = syn::Index::from(i);
                (quote!(#index), is_topic(f), f.span())
            })
            .collect(),
        Fields::Unit => Vec::new(),
    };
    // `decode`: each field into a local, in declaration order (topics from
    // their topic, the others from the data), then the struct from them.
    let all_fields: Vec<&syn::Field> = data.fields.iter().collect();
    let mut decode_fields = Vec::new();
    let mut locals = Vec::new();
    let mut topic_index = 0usize;
    for (i, field) in all_fields.iter().enumerate() {
        let local = format_ident!("__gasworks_field{}", i);
        let ty = &field.ty;
        let ty_name = type_name(ty);
        let field_name = field
            .ident
            .as_ref()
            .map_or_else(|| i.to_string(), ToString::to_string);
        if is_topic(field) {
            topic_index += 1;
            decode_fields.push(quote! {
                let #local: #ty = ::gasworks_sdk::__private::event_topic(
                    &topics[#topic_index], #name, #field_name, #ty_name,
                )?;
            });
        } else {
            decode_fields.push(quote! {
                let #local: #ty = ::gasworks_sdk::__private::event_field(
                    &mut __gasworks_data, #name, #field_name, #ty_name,
                )?;
            });
        }
        locals.push((field.ident.clone(), local));
    }
    let construct = match &data.fields {
        Fields::Named(_) => {
            let pairs = locals.iter().map(|(ident, local)| quote!(#ident: #local));
            quote!(Self { #(#pairs),* })
        }
        Fields::Unnamed(_) => {
            let values = locals.iter().map(|(_, local)| local);
            quote!(Self(#(#values),*))
        }
        Fields::Unit => quote!(Self),
    };
    let topic_count = 1 + topic_index;
    let topics: Vec<&TokenStream2> = fields.iter().filter(|f| f.1).map(|f| &f.0).collect();
    if topics.len() > 3 {
        let span = fields
            .iter()
            .filter(|f| f.1)
            .nth(3)
            .map_or(input.span(), |f| f.2);
        return Err(syn::Error::new(
            span,
            "at most three #[topic] fields (the host allows four topics, the first is the name)",
        ));
    }
    let data_fields: Vec<&TokenStream2> = fields.iter().filter(|f| !f.1).map(|f| &f.0).collect();
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::gasworks_sdk::events::Event for #ident #ty_generics #where_clause {
            const NAME: &'static str = #name;

            fn topics(
                &self,
                topics: &mut ::gasworks_sdk::__private::Vec<::gasworks_sdk::__private::Vec<u8>>,
            ) {
                #(
                    let mut topic = ::gasworks_sdk::__private::Vec::new();
                    let _ = ::gasworks_sdk::borsh::BorshSerialize::serialize(&self.#topics, &mut topic);
                    topics.push(topic);
                )*
            }

            fn data(&self) -> ::gasworks_sdk::__private::Vec<u8> {
                let mut data = ::gasworks_sdk::__private::Vec::new();
                #(
                    let _ = ::gasworks_sdk::borsh::BorshSerialize::serialize(&self.#data_fields, &mut data);
                )*
                data
            }

            fn decode(
                topics: &[::gasworks_sdk::__private::Vec<u8>],
                data: &[u8],
            ) -> ::core::result::Result<Self, ::gasworks_sdk::events::EventDecodeError> {
                ::gasworks_sdk::__private::event_header(topics, #name, #topic_count)?;
                #[allow(unused_mut)]
                let mut __gasworks_data = data;
                #(#decode_fields)*
                ::gasworks_sdk::__private::event_end(__gasworks_data, #name)?;
                ::core::result::Result::Ok(#construct)
            }
        }
    })
}

fn is_topic(field: &syn::Field) -> bool {
    field.attrs.iter().any(|a| a.path().is_ident("topic"))
}

/// A type as written, for messages (`Vec<u8>`, `(u32, String)`).
fn type_name(ty: &Type) -> String {
    let text = quote!(#ty).to_string();
    // The token stream's spacing (`Vec < u8 >`) tightened.
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let next = chars.peek().copied();
            let previous = out.chars().last();
            let tight = matches!(next, Some('<' | '>' | ',' | ')' | ']' | ':' | ';'))
                || matches!(previous, Some('<' | '(' | '[' | '&' | ':'));
            if !tight {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}
