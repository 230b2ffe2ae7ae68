// The SelfSubjectReview types of k8s.io/api/authentication/v1 as Kubernetes v1.28 added them
// (staging/src/k8s.io/api/authentication/v1/types.go), for the types the embedded server serves
// beyond v1.24. tools/protobuf-schema.py reads this beside the v1.24 source.

package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SelfSubjectReview contains the user information that the kube-apiserver has about the user making this request.
type SelfSubjectReview struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	// Status is filled in by the server with the user attributes.
	Status SelfSubjectReviewStatus `json:"status,omitempty" protobuf:"bytes,2,opt,name=status"`
}

// SelfSubjectReviewStatus is filled by the kube-apiserver and sent back to a user.
type SelfSubjectReviewStatus struct {
	// User attributes of the user making this request.
	// +optional
	UserInfo UserInfo `json:"userInfo,omitempty" protobuf:"bytes,1,opt,name=userInfo"`
}
